"""The safety net of an email change: the old address hears of it at once and can stop it.

The sign-in address is the key to the account (password resets go there), so changing it is the hinge of an
account takeover: someone with a stolen session files a change to their own address, confirms it, then resets
the password. Besides the current password (asked by the form), the address being replaced gets a notice with a
link that cancels the change, or undoes it when it has already gone through, and signs out every session."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from ...audit import Actor, origin_of, record
from ...config import get_settings
from ...db import session_scope
from ...i18n import N_, _
from ...models import Account, AuthSession, IdentityProfile, PrivacyRequest, RequestStatus, SupportSession, UsedToken
from ...models.types import utcnow
from ...queue import service as queue
from ...queue.states import CUSTOMER_CANCELABLE
from ..messaging.language import speaking_to
from ..messaging.notifications import enqueue_email
from ..support_access.support import end_support_sessions
from . import tokens

NOTICE_SUBJECT = N_("Your sign-in address is being changed")  # sent as _(NOTICE_SUBJECT)
CANCELED_FROM_LINK = N_("Canceled from the link sent to the previous address")  # a timeline event, worded when shown


def send_security_notice(session: Session, *, account_id: int, old_email: str, new_email: str, request_id: int) -> None:
    token = tokens.sign(
        tokens.Purpose.EMAIL_CHANGE_CANCEL,
        {"request_id": request_id, "account_id": account_id, "old": old_email, "token_id": uuid.uuid4().hex},
    )
    link = get_settings().absolute(f"/cancel-email-change?token={token}")
    with speaking_to(session.get(Account, account_id), own_act=True):
        enqueue_email(
            session,
            account_id=account_id,
            to_address=old_email,
            subject=_(NOTICE_SUBJECT),
            body=_(
                "The sign-in address of your privacy portal account is being changed to {email}.\n\n"
                "If this was you, there is nothing to do. If it wasn't you, open this link: it cancels the "
                "change (or undoes it, if it has already gone through) and signs out every session on "
                "your account, including the one that asked for it:\n\n{link}\n\n"
                'Then choose a new password with "Forgot your password?" on the sign-in page.'
            ).format(email=new_email, link=link),
        )


def check_cancel_link(token: str) -> str:
    """The new address the link is about; raises tokens.TokenError when the link is altered, old or spent."""
    data = tokens.read(tokens.Purpose.EMAIL_CHANGE_CANCEL, token)
    with session_scope() as session:
        if session.get(UsedToken, str(data.get("token_id", ""))) is not None:
            raise tokens.TokenError("used", _("This link has already been used."))
        request = session.get(PrivacyRequest, data.get("request_id"))
        if request is None or request.subject_id != data.get("account_id"):
            raise tokens.TokenError("invalid", _("This link no longer applies."))
        return str(request.payload.get("new_email", ""))


def cancel_email_change(token: str, *, client: str) -> str:
    """Stop (or undo) the change and sign out everywhere; returns what happened, in plain words."""
    check_cancel_link(token)
    data = tokens.read(tokens.Purpose.EMAIL_CHANGE_CANCEL, token)
    account_id, old_email = int(data["account_id"]), str(data["old"])
    actor = Actor(account_id=account_id, role="customer", origin=origin_of("email-link", client))
    with session_scope() as session:
        session.add(
            UsedToken(
                token_id=str(data["token_id"]), purpose=tokens.Purpose.EMAIL_CHANGE_CANCEL.value, used_at=utcnow()
            )
        )
        session.flush()  # a second use of the same link fails here, on the primary key
        request = session.get(PrivacyRequest, int(data["request_id"]))
        account = session.get(Account, account_id)
        if request is None or account is None:
            raise tokens.TokenError("invalid", _("This link no longer applies: the account is closed."))
        undone = False
        if RequestStatus(request.status) in CUSTOMER_CANCELABLE:
            queue.transition(
                session,
                request,
                RequestStatus.CANCELED,
                actor=actor,
                message=CANCELED_FROM_LINK,
            )
        elif (
            request.status == RequestStatus.COMPLETED.value
            and account.email != old_email
            and session.exec(select(Account).where(Account.email == old_email)).first() is None
        ):
            account.email, undone = old_email, True
            profile = session.get(IdentityProfile, account_id)
            if profile is not None:
                profile.email = old_email
                session.add(profile)
            session.add(account)
        ended = _sign_out_everywhere(session, account_id)
        record(
            session,
            action="identity.email_change_stopped",
            actor=actor,
            subject_id=account_id,
            target_type="request",
            target_id=request.id,
            details={"undone": undone, "sessions_ended": ended},
        )
    if undone:
        return _(
            "The change was undone: your sign-in address is your previous one again, and every session was "
            'signed out. Choose a new password now with "Forgot your password?".'
        )
    return _(
        "The change of your sign-in address was stopped and every session was signed out. Choose a new "
        'password now with "Forgot your password?".'
    )


def _sign_out_everywhere(session: Session, account_id: int) -> int:
    now = utcnow()
    rows = session.exec(
        select(AuthSession).where(AuthSession.account_id == account_id, col(AuthSession.revoked_at).is_(None))
    ).all()
    for row in rows:
        row.revoked_at, row.revoked_reason = now, "email_change_stopped"
        session.add(row)
    end_support_sessions(session, col(SupportSession.customer_id) == account_id, reason="email_change_stopped")
    return len(rows)
