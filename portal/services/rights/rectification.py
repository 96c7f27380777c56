"""Correcting identity details (GDPR Art. 16): validation, the old → new preview, filing the request,
the email-change link, and supplementary statements on records the customer contests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...catalogue import get_catalogue
from ...categories import get_registry
from ...config import get_settings
from ...db import session_scope
from ...errors import Invalid
from ...i18n import N_, _
from ...models import Account, IdentityProfile, PrivacyRequest, RequestStatus, UsedToken
from ...models.types import utcnow
from ...queue import service as queue
from ...queue.registry import PayloadError, RejectRequest
from ..access import WRITES, Audience, check, use_case
from ..identity import email_change_security, reauth, step_up, tokens
from ..identity.principal import Principal
from ..messaging.language import speaking_to
from ..messaging.notifications import enqueue_email
from ..recipients import notices
from .identity_validation import LIMITS, ValidationResult, validate_identity


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Submitted:
    rectification_id: int | None
    email_change_id: int | None


CONFIRM_LINK_PROBLEMS = {  # shown with _(…)
    "invalid": N_(
        "This email-confirmation link is not valid: it is incomplete or was altered. Open the link in the "
        "newest email we sent, or correct your email address again."
    ),
    "expired": N_(
        "This email-confirmation link has expired: it works for 24 hours. Correct your email address again "
        "to get a new one."
    ),
}
# Timeline events of the email change: stored in English, worded for the reader when shown (requests_view).
EMAILING_LINK = N_("We are emailing a confirmation link to the new address")
LINK_WAITS = N_("A confirmation link to the new address waits to be emailed: no mail server is set up yet")
ADDRESS_CONFIRMED = N_("New address confirmed")


class RectificationError(Invalid):
    """Nothing to file: the message says why in plain words; `field` names the form field at fault, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@use_case(Audience.CUSTOMER, what=N_("identity details"))
def current_identity(principal: Principal) -> dict[str, str]:
    with session_scope() as session:
        profile = session.get(IdentityProfile, principal.account_id)
        return {name: getattr(profile, name) if profile else "" for name in LIMITS}


@use_case(Audience.CUSTOMER, what=N_("identity details"))
def preview(principal: Principal, raw: dict[str, object]) -> tuple[ValidationResult, list[Change]]:
    """Validate the whole form and list what would change (old → new), without writing anything."""
    result = validate_identity(raw, check_deliverability=get_settings().email_check_deliverability)
    if not result.ok:
        return result, []
    current = current_identity(principal)
    labels = {f.key: f.label for f in get_catalogue().categories["identity"].kinds[0].fields}
    changes = [
        Change(name, labels.get(name, name), current.get(name, ""), value)
        for name, value in result.values.items()
        if value != current.get(name, "")
    ]
    return result, changes


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("identity details"))
def submit(
    principal: Principal, raw: dict[str, object], *, idempotency_key: str, password: str = "", client: str = "unknown"
) -> Submitted:
    """File the correction: one rectification request for the changed fields, and, when the email changes,
    an email-change request that waits until the customer opens the link sent to the new address. An email
    change needs the current password (wrong ones count in the sign-in throttle), and the old address is told."""
    result, changes = preview(principal, raw)
    if not result.ok:
        raise RectificationError(_("Please correct the highlighted fields."))
    if not changes:
        raise RectificationError(_("Nothing has changed."))
    plain = {c.field: c.new for c in changes if c.field != "email"}
    email = next((c.new for c in changes if c.field == "email"), None)
    if email is not None:  # the sign-in address is the customer's alone, whatever the grant
        check(principal, Audience.CUSTOMER, act="change_email", what=N_("identity details"))
    if email is not None:
        if not password:
            raise RectificationError(_("Enter your current password to change your email address."), "password")
        try:
            reauth.confirm_password(
                account_id=principal.account_id, password=password, client=client, act="email_change"
            )
        except reauth.PasswordRecheckFailed as problem:
            raise RectificationError(str(problem), "password") from None
        step_up.require_recent_check(principal, password_checked=True)
    rectification_id = email_change_id = None
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        current_email = account.email if account is not None else ""
        if email is not None and _email_taken(session, email, principal.account_id):
            raise RectificationError(_("That email address cannot be used. Please choose another."))
        if plain:
            request, _created = queue.submit(
                session,
                type_key="rectification",
                subject_id=principal.account_id,
                actor=principal.actor(),
                idempotency_key=f"{idempotency_key}-fields",
                payload={"changes": plain, "previous": {c.field: c.old for c in changes if c.field in plain}},
            )
            rectification_id = request.id
        if email is not None:
            request, created = queue.submit(
                session,
                type_key="email_change",
                subject_id=principal.account_id,
                actor=principal.actor(),
                idempotency_key=f"{idempotency_key}-email",
                payload={"new_email": email},
            )
            email_change_id = request.id
            if created:
                filed = session.get(PrivacyRequest, request.id)  # submit answers with a detached snapshot
                assert filed is not None and filed.id is not None
                _send_confirmation(session, filed, principal, email)
                email_change_security.send_security_notice(
                    session,
                    account_id=principal.account_id,
                    old_email=current_email,
                    new_email=email,
                    request_id=filed.id,
                )
    return Submitted(rectification_id, email_change_id)


def _email_taken(session: Session, email: str, own_id: int) -> bool:
    other = session.exec(select(Account).where(Account.email == email)).first()
    return other is not None and other.id != own_id


def _send_confirmation(session: Session, request: PrivacyRequest, principal: Principal, email: str) -> None:
    token = tokens.sign(
        tokens.Purpose.EMAIL_CHANGE,
        {"request_id": request.id, "account_id": principal.account_id, "email": email, "token_id": uuid.uuid4().hex},
    )
    queue.transition(
        session,
        request,
        RequestStatus.VERIFYING,
        actor=principal.actor(),
        message=EMAILING_LINK if get_settings().mail_is_delivered else LINK_WAITS,
    )
    link = get_settings().absolute(f"/confirm-email?token={token}")
    with speaking_to(session.get(Account, principal.account_id), own_act=True):
        enqueue_email(
            session,
            account_id=principal.account_id,
            to_address=email,
            subject=_("Confirm your new email address"),
            body=_(
                "Please confirm that {email} is your new email address for the privacy portal by opening "
                "this link within 24 hours:\n\n{link}\n\nIf you did not ask for this, ignore this email."
            ).format(email=email, link=link),
        )


def confirm_email_change(token: str, *, signed_in_account: int | None) -> str:
    """Open the link from the email. Refuses tampered, expired, reused links and links for another
    account than the one signed in; returns a plain message for the page."""
    try:
        data = tokens.read(tokens.Purpose.EMAIL_CHANGE, token)
    except tokens.TokenError as problem:  # the generic words name receipts too; say which link, and what to do
        raise tokens.TokenError(problem.reason, _(CONFIRM_LINK_PROBLEMS[problem.reason])) from None
    account_id, request_id, token_id = data.get("account_id"), data.get("request_id"), str(data.get("token_id", ""))
    if signed_in_account is not None and signed_in_account != account_id:
        raise tokens.TokenError("invalid", _("This link belongs to another account. Sign out and open it again."))
    with session_scope() as session:
        if session.get(UsedToken, token_id) is not None:
            raise tokens.TokenError("used", _("This link has already been used."))
        request = session.get(PrivacyRequest, request_id)
        if request is None or request.subject_id != account_id or request.status != RequestStatus.VERIFYING.value:
            raise tokens.TokenError("invalid", _("This link no longer applies: the change was canceled or finished."))
        session.add(UsedToken(token_id=token_id, purpose=tokens.Purpose.EMAIL_CHANGE.value, used_at=utcnow()))
        actor = Actor(account_id=account_id, role="customer", origin="email-link")
        queue.transition(session, request, RequestStatus.QUEUED, actor=actor, message=ADDRESS_CONFIRMED)
    return _("Thank you: your new email address is confirmed and will be in use within a few seconds.")


def apply_rectification(
    session: Session, *, customer_id: int, changes: dict[str, str], actor: Actor, request_id: int | None
) -> None:
    profile = session.get(IdentityProfile, customer_id) or IdentityProfile(customer_id=customer_id)
    for name, value in changes.items():
        if name in LIMITS and name != "email":
            setattr(profile, name, value)
    profile.updated_at = utcnow()
    session.add(profile)
    get_registry().touch(session, customer_id=customer_id, kind_key="identity_profile")
    record(
        session,
        action="identity.corrected",
        actor=actor,
        subject_id=customer_id,
        target_type="request",
        target_id=request_id,
        details={"fields": sorted(changes)},
    )
    if request_id is not None and changes:  # Art. 19: whoever received the profile gets the corrected values
        notices.notify_recipients(
            session,
            request_id=request_id,
            customer_id=customer_id,
            action="rectification",
            kinds=["identity_profile"],
            changes={"identity_profile": changes},
        )


def apply_email_change(
    session: Session, *, customer_id: int, new_email: str, actor: Actor, request_id: int | None
) -> None:
    if _email_taken(session, new_email, customer_id):
        raise RejectRequest(_("That email address is already in use by another account."))
    account = session.get(Account, customer_id)
    if account is None:
        return
    account.email = new_email
    session.add(account)
    apply_rectification(session, customer_id=customer_id, changes={}, actor=actor, request_id=request_id)
    profile = session.get(IdentityProfile, customer_id)
    if profile is not None:
        profile.email = new_email
        session.add(profile)
    if request_id is not None:
        notices.notify_recipients(
            session,
            request_id=request_id,
            customer_id=customer_id,
            action="rectification",
            kinds=["identity_profile"],
            changes={"identity_profile": {"email": new_email}},
        )


@use_case(Audience.CUSTOMER, what=N_("identity details"))
def corrections(principal: Principal) -> dict[str, datetime]:
    """When each identity field was last corrected (for "corrected on DATE" beside the value)."""
    result: dict[str, datetime] = {}
    with session_scope() as session:
        for request in session.exec(
            select(PrivacyRequest).where(
                PrivacyRequest.subject_id == principal.account_id,
                col(PrivacyRequest.type).in_(("rectification", "email_change")),
                PrivacyRequest.status == RequestStatus.COMPLETED.value,
            )
        ):
            fields = list(request.payload.get("changes", {})) or (["email"] if "new_email" in request.payload else [])
            for name in fields:
                if request.completed_at and (name not in result or request.completed_at > result[name]):
                    result[name] = request.completed_at
    return result


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("identity details"))
def add_statement(
    principal: Principal, *, kind: str, record_id: int, field: str, statement: str, idempotency_key: str
) -> int:
    """A supplementary statement on a record the customer contests; it goes to staff through the queue."""
    if kind not in get_registry().specs:
        raise RectificationError(_("Unknown kind of record."))
    _category, kind_def = get_catalogue().kind(kind)
    if field not in {f.key for f in kind_def.fields}:
        raise RectificationError(_("Unknown field."))
    with session_scope() as session:
        registry = get_registry()
        if not registry.owns_record(session, customer_id=principal.account_id, kind_key=kind, record_id=record_id):
            raise RectificationError(_("No such record."))
        try:
            request, _created = queue.submit(
                session,
                type_key="statement",
                subject_id=principal.account_id,
                actor=principal.actor(),
                idempotency_key=idempotency_key,
                payload={"kind": kind, "record_id": record_id, "field": field, "statement": statement},
            )
        except PayloadError as problem:
            raise RectificationError(_("The statement must be 5 to 1000 characters of plain text.")) from problem
        assert request.id is not None
        return request.id
