"""The customer's notification bell: how many are unread, and the latest ones (reading them marks them read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ...db import session_scope
from ...i18n import _
from ...models import Notification
from ..access import Audience, check, use_case
from ..identity.principal import Principal
from ..messaging import notifications


@dataclass(frozen=True)
class NotificationView:
    id: int
    title: str
    body: str
    link: str | None
    created_at: datetime
    unread: bool


@use_case(Audience.SIGNED_IN)
def unread_notifications(principal: Principal) -> int:
    if not principal.is_customer:  # staff have no bell
        return 0
    with session_scope() as session:
        return notifications.unread_count(session, account_id=principal.account_id)


def unread_counts(principals: Sequence[Principal]) -> dict[int, int]:
    """The unread counts of many open bells at once, by account id: the open-page watcher asks once per sweep for
    every bell of the process instead of each bell asking every few seconds. Each principal passes the same check
    as `unread_notifications`; staff have no bell and get no count."""
    for principal in principals:
        check(principal, Audience.SIGNED_IN)
    customers = sorted({principal.account_id for principal in principals if principal.is_customer})
    with session_scope() as session:
        return notifications.unread_counts(session, account_ids=customers)


@use_case(Audience.SIGNED_IN)
def read_notifications(principal: Principal, limit: int = 10) -> list[NotificationView]:
    """The latest notifications; reading them marks them all read."""
    if not principal.is_customer:
        return []
    with session_scope() as session:
        latest = notifications.latest(session, account_id=principal.account_id, limit=limit)
        views = [_notification(n) for n in latest]
        if principal.acting is None:  # an agent looking is not the customer having read them
            notifications.mark_all_read(session, account_id=principal.account_id)
    return views


def _notification(n: Notification) -> NotificationView:
    """A notification as stored: written in its reader's language when it was sent (messaging/language.py). One
    stored in English whose words are a whole message of the catalogue ("Your password was changed") is shown in
    the reader's language now; one built from data stays as it was written."""
    assert n.id is not None
    link = n.link if n.link and n.link.startswith("/") and not n.link.startswith("//") else None
    return NotificationView(
        id=n.id, title=_(n.title), body=_(n.body), link=link, created_at=n.created_at, unread=n.read_at is None
    )
