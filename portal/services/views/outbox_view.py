"""The staff console's email outbox: the paged list of mails the portal sent or is sending, with any signed
token in a body hidden from staff.

Apart from `staff_view` because it is about mail, not requests, and carries its own rule (tokens are never
shown to staff).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from ...db import session_scope
from ...i18n import N_, _
from ...models import OutboxMessage
from ..access import Audience, use_case
from ..identity.principal import Principal
from .paging import Page, window
from .staff_view import PAGE_SIZE

# A mailed link that acts for its recipient (a password reset, an email-change confirmation) carries a signed
# token. Staff read the outbox; a token shown there would let any agent reset a customer's password or take over
# their email address without a grant. Staff see that a link was sent, never the token.
_TOKEN = re.compile(r"(token=)[^\s&#]+")
HIDDEN_TOKEN = N_("(hidden: only the recipient can use this link)")  # shown with _(HIDDEN_TOKEN)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    to_address: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    body: str  # as staff may read it: tokens hidden


def body_for_staff(body: str) -> str:
    return without_tokens(body, _(HIDDEN_TOKEN))


def without_tokens(body: str, note: str) -> str:
    """The body with every link's token replaced by `note` (staff's outbox, the customer's own export)."""
    return _TOKEN.sub(lambda match: match.group(1) + note, body)


@use_case(Audience.STAFF)
def outbox_page(principal: Principal, page: int = 1, status: str | None = None) -> Page:
    conditions = [OutboxMessage.status == status] if status else []
    with session_scope() as session:
        shown = window(session, OutboxMessage, conditions, page, PAGE_SIZE)
        messages = session.exec(
            select(OutboxMessage)
            .where(*conditions)
            .order_by(col(OutboxMessage.id).desc())
            .offset(shown.offset)
            .limit(shown.limit)
        )
        rows = [
            OutboxRow(
                id=m.id or 0,
                to_address=m.to_address,
                subject=m.subject,
                status=m.status,
                attempts=m.attempts,
                created_at=m.created_at,
                sent_at=m.sent_at,
                last_error=m.last_error,
                body=body_for_staff(m.body),
            )
            for m in messages
        ]
    return shown.of(rows)
