"""An audit event in a customer's words: "Signed in", "Request #12 completed", "Support session started".

The audit trail holds action names (`auth.signed_in`, `request.completed`) and ids, never personal values;
staff read those as they are. A customer reading "Recent activity on your account" gets a sentence. Every
action the portal records has its words here; an action without them (one added later) falls back to its
name with the punctuation taken out, so nothing is ever hidden from the customer."""

from __future__ import annotations

from typing import Any

from ...catalogue import get_catalogue
from ...models import STAFF_ROLES, RequestStatus
from ...queue.registry import PayloadError, get_type
from ...queue.states import LABELS

_WORDS = {
    "auth.signed_in": "Signed in",
    "auth.signed_out": "Signed out",
    "auth.signed_out_everywhere": "Signed out on every device",
    "auth.session_ended": "Signed out one of your sessions from another",
    "auth.other_sessions_ended": "Signed out every other session",
    "auth.sign_in_failed": "A sign-in failed (wrong password)",
    "auth.sign_in_throttled": "Sign-in paused after repeated failed attempts",
    "auth.password_changed": "Password changed",
    "auth.password_change_failed": "A password change was refused",
    "auth.withdrawal_password_failed": "A withdrawal was refused (wrong password)",
    "auth.email_change_password_failed": "An email address change was refused (wrong password)",
    "identity.email_change_stopped": "A change of your sign-in address was stopped from the emailed link",
    "auth.password_reset_requested": "Password reset link sent",
    "auth.password_reset": "Password reset with an emailed link",
    "auth.second_factor_failed": "A sign-in or confirmation failed (wrong one-time code)",
    "auth.passkey_failed": "A passkey sign-in failed",
    "auth.passkey_added": "Passkey added",
    "auth.passkey_removed": "Passkey removed",
    "auth.passkey_counter_went_back": "A passkey was refused: it may have been copied",
    "auth.totp_enabled": "One-time codes set up",
    "auth.totp_disabled": "One-time codes turned off",
    "auth.recovery_codes_renewed": "New recovery codes made",
    "auth.recovery_code_used": "Signed in with a recovery code",
    "auth.step_up": "Confirmed it was you before a sensitive act",
    "auth.step_up_password_failed": "A confirmation was refused (wrong password)",
    "auth.factor_reset_requested": "Removal of your second factors asked for (takes effect after 24 hours)",
    "auth.factor_reset_cancelled": "Removal of your second factors cancelled",
    "auth.factors_removed": "Second factors removed",
    "consent.given": "Consent given",
    "consent.withdrawn": "Consent withdrawn",
    "consent.withdrawal_erased": "Data deleted because a consent was withdrawn",
    "policy.reviewed": "Privacy policy changes reviewed",
    "identity.corrected": "Identity details corrected",
    "export.downloaded": "Export downloaded",
    "export.deleted": "Export deleted",
    "support.grant_given": "Support access given",
    "support.grant_revoked": "Support access revoked",
    "support.ask_sent": "Support asked for access",
    "support.ask_accepted": "Support's request for access accepted",
    "support.ask_declined": "Support's request for access declined",
    "support.session_started": "A support agent started acting for you",
    "support.session_ended": "A support agent stopped acting for you",
    "support.start_refused": "A support agent was refused access",
    "support.page_viewed": "A support agent viewed a page of your account",
    "staff.request_viewed": "Staff opened your request",
    "request.note_from_customer": "Note sent",
    "request.comment": "Staff commented",
    "request.assigned": "Assigned to a staff member",
    "request.extended": "Deadline extended",
    "withdrawal.locked_out": "Withdrawal started: sign-in closed",
    "withdrawal.category_erased": "Data category erased",
    "withdrawal.records_erased": "Requests, notes, sessions and messages erased",
    "withdrawal.account_deleted": "Account deleted",
    "recipient.notice_acknowledged": "A company we shared your data with confirmed our notice of your request",
    "notice.resent": "Our notice of your request sent again to a company we shared your data with",
    "notice.task_closed": "A company we shared your data with was told of your request by our staff",
}


def describe(
    action: str, target_type: str | None = None, target_id: str | None = None, details: dict[str, Any] | None = None
) -> str:
    words = _WORDS.get(action) or _request_status(action) or _fallback(action)
    if target_type == "request" and target_id:
        request = f"{_type_title((details or {}).get('type'))} #{target_id}"
        return (
            f"{request}: {words[0].lower()}{words[1:]}"
            if action.startswith(("request.", "staff."))
            else f"{words} ({request})"
        )
    if target_type == "purpose" and target_id:
        purposes = get_catalogue().purposes
        return f"{words}: {purposes[target_id].title if target_id in purposes else target_id.replace('_', ' ')}"
    return words


def who_acted(actor_role: str | None, actor_id: int | None, customer_id: int | None) -> str:
    """Who did something, as the customer reads it: "you", "staff" (an agent or officer, never named), "system"."""
    if actor_role in STAFF_ROLES:
        return "staff"
    if actor_id is not None and actor_id == customer_id:
        return "you"
    return "system"


def _type_title(type_key: object) -> str:
    try:
        return get_type(str(type_key)).title
    except PayloadError:  # no type recorded (or one no longer offered)
        return "Request"


def _request_status(action: str) -> str | None:
    prefix, _, status = action.partition(".")
    if prefix != "request" or status not in {member.value for member in RequestStatus}:
        return None
    return LABELS[RequestStatus(status)]


def _fallback(action: str) -> str:
    return action.replace(".", ": ").replace("_", " ").capitalize()
