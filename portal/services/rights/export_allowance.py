"""How many exports a customer may still ask for: `PORTAL_EXPORT_LIMIT_PER_DAY` in any 24 hours (0: no limit).

Every export asked for in the window counts, a deleted one too. The limit is there to spare the server repeated
builds of the same data (an export of a long history reads every record, three times for three formats), and a
deleted export was built all the same. So deleting one does not give a request back; the exports page says so,
and says how many are left and, when none, from when the next one can be asked for (docs/customers.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from ...config import get_settings
from ...db import session_scope
from ...errors import Invalid
from ...i18n import N_, _, ngettext
from ...i18n.formats import format_date, format_number
from ...models import PrivacyRequest
from ...models.types import utcnow
from ..access import Audience, use_case
from ..identity.principal import Principal
from ..messaging.language import clock

WINDOW = timedelta(days=1)


class ExportError(Invalid):
    """The export cannot be requested or downloaded; the message says why in plain words."""


@dataclass(frozen=True)
class Allowance:
    per_day: int  # 0: no limit
    used: int  # exports asked for in the last 24 hours, deleted ones included
    next_free_at: datetime | None  # when the oldest of them leaves the window (None: no limit, or none asked for)

    @property
    def left(self) -> int | None:
        return None if self.per_day <= 0 else max(self.per_day - self.used, 0)


def allowance_of(session: Session, customer_id: int, *, leave_out: str | None = None) -> Allowance:
    """`leave_out`: the idempotency key of a request being filed again (a double click is not a second export)."""
    per_day = get_settings().export_limit_per_day
    if per_day <= 0:
        return Allowance(0, 0, None)
    conditions = [
        col(PrivacyRequest.subject_id) == customer_id,
        col(PrivacyRequest.type) == "export",
        col(PrivacyRequest.received_at) > utcnow() - WINDOW,
    ]
    if leave_out is not None:
        conditions.append(col(PrivacyRequest.idempotency_key) != leave_out)
    used, oldest = session.exec(select(func.count(), func.min(PrivacyRequest.received_at)).where(*conditions)).one()
    return Allowance(per_day, int(used), oldest + WINDOW if oldest is not None else None)


def refuse_beyond_allowance(session: Session, customer_id: int, idempotency_key: str) -> None:
    allowance = allowance_of(session, customer_id, leave_out=idempotency_key)
    if allowance.left == 0:
        raise ExportError(
            ngettext(
                "You can ask for {count} export a day, to keep the service fast for everyone. Your earlier exports "
                "are below (deleted ones count too); please try again after {when}.",
                "You can ask for {count} exports a day, to keep the service fast for everyone. Your earlier exports "
                "are below (deleted ones count too); please try again after {when}.",
                allowance.per_day,
            ).format(count=format_number(allowance.per_day), when=_when(allowance))
        )


def _when(allowance: Allowance) -> str:
    """ "2026-09-28 14:01 UTC" in the reader's date format and zone."""
    if allowance.next_free_at is None:
        return _("tomorrow")
    return f"{format_date(allowance.next_free_at)} {clock(allowance.next_free_at)}"


@use_case(Audience.CUSTOMER, what=N_("exports"))
def allowance(principal: Principal) -> Allowance:
    with session_scope() as session:
        return allowance_of(session, principal.account_id)
