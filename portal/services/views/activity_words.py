"""An audit event in a customer's words: "Signed in", "Request #12 completed", "Support session started".

The audit trail holds action names (`auth.signed_in`, `request.completed`) and ids, never personal values;
staff read those as they are. A customer reading "Recent activity on your account" gets a sentence. Every
action the portal records has its words here; an action without them (one added later) falls back to its
name with the punctuation taken out, so nothing is ever hidden from the customer.

The words are marked with `N_` and translated when an event is described, in the reader's language."""

from __future__ import annotations

from typing import Any

from ...catalogue import get_catalogue
from ...i18n import DEFAULT_LOCALE, N_, PSEUDO_LOCALE, _, current_locale
from ...models import STAFF_ROLES, RequestStatus
from ...queue.registry import PayloadError, get_type
from ...queue.states import LABELS

_WORDS = {
    "auth.signed_in": N_("Signed in"),
    "auth.signed_out": N_("Signed out"),
    "auth.signed_out_everywhere": N_("Signed out on every device"),
    "auth.session_ended": N_("Signed out one of your sessions from another"),
    "auth.other_sessions_ended": N_("Signed out every other session"),
    "auth.sign_in_failed": N_("A sign-in failed (wrong password)"),
    "auth.sign_in_throttled": N_("Sign-in paused after repeated failed attempts"),
    "auth.password_changed": N_("Password changed"),
    "auth.password_change_failed": N_("A password change was refused"),
    "auth.withdrawal_password_failed": N_("A withdrawal was refused (wrong password)"),
    "auth.email_change_password_failed": N_("An email address change was refused (wrong password)"),
    "identity.email_change_stopped": N_("A change of your sign-in address was stopped from the emailed link"),
    "auth.password_reset_requested": N_("Password reset link sent"),
    "auth.password_reset": N_("Password reset with an emailed link"),
    "auth.second_factor_failed": N_("A sign-in or confirmation failed (wrong one-time code)"),
    "auth.passkey_failed": N_("A passkey sign-in failed"),
    "auth.passkey_added": N_("Passkey added"),
    "auth.passkey_removed": N_("Passkey removed"),
    "auth.passkey_counter_went_back": N_("A passkey was refused: it may have been copied"),
    "auth.totp_enabled": N_("One-time codes set up"),
    "auth.totp_disabled": N_("One-time codes turned off"),
    "auth.recovery_codes_renewed": N_("New recovery codes made"),
    "auth.recovery_code_used": N_("Signed in with a recovery code"),
    "auth.step_up": N_("Confirmed it was you before a sensitive act"),
    "auth.step_up_password_failed": N_("A confirmation was refused (wrong password)"),
    "auth.factor_reset_requested": N_("Removal of your second factors asked for (takes effect after 24 hours)"),
    "auth.factor_reset_cancelled": N_("Removal of your second factors cancelled"),
    "auth.factors_removed": N_("Second factors removed"),
    "consent.given": N_("Consent given"),
    "consent.withdrawn": N_("Consent withdrawn"),
    "consent.withdrawal_erased": N_("Data deleted because a consent was withdrawn"),
    "policy.reviewed": N_("Privacy policy changes reviewed"),
    "identity.corrected": N_("Identity details corrected"),
    "export.downloaded": N_("Export downloaded"),
    "export.deleted": N_("Export deleted"),
    "support.grant_given": N_("Support access given"),
    "support.grant_revoked": N_("Support access revoked"),
    "support.ask_sent": N_("Support asked for access"),
    "support.ask_accepted": N_("Support's request for access accepted"),
    "support.ask_declined": N_("Support's request for access declined"),
    "support.session_started": N_("A support agent started acting for you"),
    "support.session_ended": N_("A support agent stopped acting for you"),
    "support.start_refused": N_("A support agent was refused access"),
    "support.page_viewed": N_("A support agent viewed a page of your account"),
    "staff.request_viewed": N_("Staff opened your request"),
    "request.note_from_customer": N_("Note sent"),
    "request.comment": N_("Staff commented"),
    "request.assigned": N_("Assigned to a staff member"),
    "request.extended": N_("Deadline extended"),
    "withdrawal.locked_out": N_("Withdrawal started: sign-in closed"),
    "withdrawal.category_erased": N_("Data category erased"),
    "withdrawal.records_erased": N_("Requests, notes, sessions and messages erased"),
    "withdrawal.account_deleted": N_("Account deleted"),
    "recipient.notice_acknowledged": N_("A company we shared your data with confirmed our notice of your request"),
    "notice.resent": N_("Our notice of your request sent again to a company we shared your data with"),
    "notice.task_closed": N_("A company we shared your data with was told of your request by our staff"),
}


def describe(
    action: str, target_type: str | None = None, target_id: str | None = None, details: dict[str, Any] | None = None
) -> str:
    words = _(_WORDS[action]) if action in _WORDS else _request_status(action) or _fallback(action)
    if target_type == "request" and target_id:
        request = _("{request_type} #{number}").format(
            request_type=_type_title((details or {}).get("type")), number=target_id
        )
        if action.startswith(("request.", "staff.")):
            return _("{request}: {event}").format(request=request, event=_mid_sentence(words))
        return _("{event} ({request})").format(event=words, request=request)
    if target_type == "purpose" and target_id:
        purposes = get_catalogue().purposes
        title = purposes[target_id].title if target_id in purposes else target_id.replace("_", " ")
        return _("{event}: {purpose}").format(event=words, purpose=title)
    return words


def _mid_sentence(words: str) -> str:
    """English lowers the first letter after "Request #12:"; other languages keep their own capitals (German
    nouns are capitalised wherever they stand)."""
    if current_locale() in (DEFAULT_LOCALE, PSEUDO_LOCALE):
        return f"{words[0].lower()}{words[1:]}" if words else words
    return words


def who_acted(actor_role: str | None, actor_id: int | None, customer_id: int | None) -> str:
    """Who did something, as the customer reads it: "you", "staff" (an agent or officer, never named), "system"."""
    if actor_role in STAFF_ROLES:
        return "staff"
    if actor_id is not None and actor_id == customer_id:
        return "you"
    return "system"


_WHO = {"you": N_("you"), "staff": N_("staff"), "system": N_("system")}


def who_in_words(code: str) -> str:
    """`who_acted`'s code as the reader says it ("you", "Sie", "您"); the code itself stays in exports and scripts."""
    return _(_WHO[code]) if code in _WHO else code


def _type_title(type_key: object) -> str:
    try:
        return _(get_type(str(type_key)).title)
    except PayloadError:  # no type recorded (or one no longer offered)
        return _("Request")


def _request_status(action: str) -> str | None:
    prefix, _dot, status = action.partition(".")
    if prefix != "request" or status not in {member.value for member in RequestStatus}:
        return None
    return _(LABELS[RequestStatus(status)])


def _fallback(action: str) -> str:
    return action.replace(".", ": ").replace("_", " ").capitalize()
