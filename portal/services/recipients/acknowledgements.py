"""A recipient's answer to an Art. 19 notice, sent to `POST /recipients/notices/<id>/ack` with its bearer token.

Only the recipient the notice went to can answer it: the token's SHA-256 must equal its endpoint's, compared in
constant time. An unknown notice and a wrong token get the same refusal, so a token cannot probe for notice ids. The
first answer stands: the same answer again is a no-op (a recipient retrying after a lost response), another one is
a conflict.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from ...audit import Actor, record
from ...errors import Conflict, Invalid, NotFound
from ...models import RecipientEndpoint, RecipientNotice
from ...models.types import utcnow
from .endpoints import token_digest

ANSWERS = ("done", "not_held", "refused")
REASON_MAX = 1000
ACKNOWLEDGEABLE = ("pending", "delivered", "dead")  # a lost 2xx or a give-up must not keep a true answer out
# Compared against when the notice or endpoint does not exist, so both refusals cost the same.
_NO_DIGEST = hashlib.sha256(b"no endpoint").hexdigest()


class NoSuchNotice(NotFound):
    """No notice with this id for the bearer of this token (unknown id, or the token is not its recipient's)."""

    def __init__(self) -> None:
        super().__init__("no such notice for this token")


class AnswerInvalid(Invalid):
    """The answer is not one of done, not_held, refused, or a refusal without its reason."""


class AlreadyAnswered(Conflict):
    """The notice carries another answer already."""


@dataclass(frozen=True)
class Acknowledged:
    notice_id: str
    answer: str
    answered_at: datetime
    repeated: bool  # this answer was recorded before; nothing changed now


def acknowledge(
    *, session: Session, notice_id: str, token: str, answer: str, reason: str | None, now: datetime | None = None
) -> Acknowledged:
    """Record the recipient's answer to one of its notices (with its audit event, in the caller's transaction)."""
    notice = session.get(RecipientNotice, notice_id) if len(notice_id) <= 36 else None
    endpoint = session.get(RecipientEndpoint, notice.recipient) if notice is not None else None
    expected = endpoint.token_sha256 if endpoint is not None else _NO_DIGEST
    genuine = hmac.compare_digest(token_digest(token), expected)
    if notice is None or endpoint is None or not genuine or notice.channel != "webhook":
        raise NoSuchNotice()
    note = _check(answer, reason)
    if notice.answer is not None:
        return _repeat(notice, answer)
    moment = now or utcnow()
    # Conditional on "no answer yet": of two answers racing, exactly one is recorded.
    result = session.exec(
        update(RecipientNotice)
        .where(
            col(RecipientNotice.id) == notice_id,
            col(RecipientNotice.answer).is_(None),
            col(RecipientNotice.status).in_(ACKNOWLEDGEABLE),
        )
        .values(status="acknowledged", answer=answer, answer_note=note, answered_at=moment, next_attempt_at=None)
    )
    if result.rowcount != 1:
        session.refresh(notice)
        if notice.answer is None:
            raise AlreadyAnswered(f"the notice is {notice.status} and takes no answer")
        return _repeat(notice, answer)
    record(
        session,
        action="recipient.notice_acknowledged",
        actor=Actor(account_id=None, role="system", origin=f"recipient:{notice.recipient}"),
        subject_id=notice.customer_id,
        target_type="recipient_notice",
        target_id=notice_id,
        # Ids and the answer's word only: the reason may name the customer, it stays in the notice row.
        details={"recipient": notice.recipient, "answer": answer, "request_id": notice.request_id},
    )
    return Acknowledged(notice_id, answer, moment, repeated=False)


def _check(answer: str, reason: str | None) -> str | None:
    if answer not in ANSWERS:
        raise AnswerInvalid(f"answer must be one of {', '.join(ANSWERS)}")
    note = (reason or "").strip() or None
    if note is not None and len(note) > REASON_MAX:
        raise AnswerInvalid(f"reason must be at most {REASON_MAX} characters")
    if answer == "refused" and note is None:
        raise AnswerInvalid("a refusal needs its reason")
    return note


def _repeat(notice: RecipientNotice, answer: str) -> Acknowledged:
    if notice.answer != answer or notice.answered_at is None:
        raise AlreadyAnswered(f"the notice was already answered {notice.answer!r}")
    return Acknowledged(notice.id, answer, notice.answered_at, repeated=True)
