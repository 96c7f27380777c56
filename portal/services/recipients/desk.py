"""The staff side of Art. 19 notices: sending one again, closing a staff task (a recipient without an endpoint was
told by other means) with a note, and telling the privacy officers about notices past their due date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ...audit import record
from ...catalogue import get_catalogue
from ...db import session_scope
from ...errors import Conflict, Invalid, NotFound
from ...i18n import N_, _, ngettext
from ...i18n.formats import format_number
from ...models import Account, RecipientNotice, Role
from ...models.types import utcnow
from ..access import Audience, use_case
from ..identity.principal import Principal
from ..messaging.language import day, speaking_to
from ..messaging.notifications import notify_account

TASK_ANSWERS = ("done", "not_held", "refused")
# What the privacy officers are told of an overdue notice, per kind of notice (notices.ACTIONS): a whole sentence each.
_NOTICE_DUE = {
    "rectification": N_(
        "The rectification notice for request #{request} was due on {date}. Open the notice desk to send it again or "
        "close it with a note."
    ),
    "erasure": N_(
        "The erasure notice for request #{request} was due on {date}. Open the notice desk to send it again or close "
        "it with a note."
    ),
    "restriction": N_(
        "The restriction notice for request #{request} was due on {date}. Open the notice desk to send it again or "
        "close it with a note."
    ),
    "restriction_lifted": N_(
        "The restriction lifted notice for request #{request} was due on {date}. Open the notice desk to send it "
        "again or close it with a note."
    ),
}
_ANY_NOTICE_DUE = N_(
    "The {kind} notice for request #{request} was due on {date}. Open the notice desk to send it again or close it "
    "with a note."
)
MAX_NOTE = 1000


@use_case(Audience.STAFF, what=N_("send a notice again"))
def resend(principal: Principal, notice_id: str) -> None:
    """Send a webhook notice again now: after an endpoint was fixed, or when a recipient says it never got it."""
    with session_scope() as session:
        notice = session.get(RecipientNotice, notice_id)
        if notice is None:
            raise NotFound(_("No such notice."))
        if notice.channel != "webhook":
            raise Conflict(_("This recipient has no endpoint: the notice is a task for staff, not something to send."))
        if notice.status == "acknowledged":
            raise Conflict(_("The recipient has already answered this notice."))
        notice.status, notice.next_attempt_at, notice.last_error = "pending", utcnow(), None
        session.add(notice)
        record(
            session,
            action="notice.resent",
            actor=principal.actor(),
            subject_id=notice.customer_id,
            target_type="notice",
            target_id=notice.id,
            details={"recipient": notice.recipient},
        )


@use_case(Audience.OFFICER, what=N_("close a notice task"))
def close_task(principal: Principal, notice_id: str, *, answer: str, note: str) -> None:
    """The officer told the recipient by other means (its contact in the catalogue) and records what it answered."""
    note = (note or "").strip()
    if answer not in TASK_ANSWERS:
        raise Invalid(_("Choose what the recipient answered: done, not held, or refused."))
    if not note:
        raise Invalid(_("Write a note: how the recipient was told, and what it answered."))
    if len(note) > MAX_NOTE:
        raise Invalid(
            ngettext(
                "The note can be at most {count} character.", "The note can be at most {count} characters.", MAX_NOTE
            ).format(count=format_number(MAX_NOTE))
        )
    with session_scope() as session:
        notice = session.get(RecipientNotice, notice_id)
        if notice is None:
            raise NotFound(_("No such notice."))
        if notice.status == "acknowledged":
            raise Conflict(_("This notice is already closed."))
        notice.status, notice.answer, notice.answer_note = "acknowledged", answer, note
        notice.answered_at, notice.answered_by = utcnow(), principal.account_id
        session.add(notice)
        record(
            session,
            action="notice.task_closed",
            actor=principal.actor(),
            subject_id=notice.customer_id,
            target_type="notice",
            target_id=notice.id,
            details={"recipient": notice.recipient, "answer": answer},
        )


def flag_overdue(engine: Engine, *, now: datetime | None = None) -> int:
    """A maintenance task: tell every privacy officer, once per notice, that a recipient has not confirmed in time,
    or that its webhook gave up (dead) and someone must reach it another way. Returns how many were flagged."""
    now = now or utcnow()
    with Session(engine) as session:
        overdue = session.exec(
            select(RecipientNotice).where(
                col(RecipientNotice.status) != "acknowledged",
                (col(RecipientNotice.due_at) < now) | (col(RecipientNotice.status) == "dead"),
                col(RecipientNotice.overdue_notified_at).is_(None),
            )
        ).all()
        if not overdue:
            return 0
        officers = [
            account
            for account in session.exec(
                select(Account).where(col(Account.role) == Role.DPO.value, col(Account.deactivated_at).is_(None))
            )
            if account.id is not None
        ]
        names = get_catalogue().recipients
        for notice in overdue:
            who = names[notice.recipient].legal_name if notice.recipient in names else notice.recipient
            gave_up = notice.status == "dead"
            for officer in officers:
                assert officer.id is not None
                with speaking_to(officer):  # each officer in their own language
                    notify_account(
                        session,
                        account_id=officer.id,
                        title=_("Undeliverable: a notice to {recipient}").format(recipient=who)
                        if gave_up
                        else _("Overdue: {recipient} has not confirmed a notice").format(recipient=who),
                        body=_(_NOTICE_DUE.get(notice.action, _ANY_NOTICE_DUE)).format(
                            kind=notice.action.replace("_", " "), request=notice.request_id, date=day(notice.due_at)
                        ),
                        link="/staff/notices?show=overdue",
                    )
            notice.overdue_notified_at = now
            session.add(notice)
        session.commit()
        return len(overdue)
