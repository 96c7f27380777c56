"""Simulated-user tests for /activity: the customer's whole account history from the audit trail, in words,
a page at a time, and only ever their own."""

from __future__ import annotations

import re
from contextlib import suppress

from nicegui import ui
from nicegui.testing import User
from sqlmodel import func, select

from portal.audit import Actor, record
from portal.db import session_scope
from portal.models import AuditEvent, RequestStatus
from portal.services.views.activity_words import _WORDS, describe
from tests.utils.signin import sign_in

ADA, GRACE = 1, 2


def _record(subject_id: int, action: str, count: int) -> None:
    with session_scope() as session:
        for _ in range(count):
            record(
                session,
                action=action,
                actor=Actor(account_id=subject_id, role="customer", origin="test"),
                subject_id=subject_id,
            )


def _events_about(subject_id: int) -> int:
    with session_scope() as session:
        return int(
            session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_id == subject_id)).one()
        )


def _newest_words(subject_id: int, count: int) -> list[str]:
    with session_scope() as session:
        newest = (AuditEvent.at.desc(), AuditEvent.id.desc())  # type: ignore[attr-defined, union-attr]
        events = session.exec(
            select(AuditEvent).where(AuditEvent.subject_id == subject_id).order_by(*newest).limit(count)
        ).all()
        return [describe(e.action, e.target_type, e.target_id, e.details) for e in events]


def _total(count: int) -> str:
    return f"{count:,} event{'' if count == 1 else 's'}"


def _texts(user: User, marker: str) -> list[str]:
    """The texts of the marked labels in page order (elements are numbered as they are created)."""
    elements = sorted(user.find(marker=marker).elements, key=lambda element: element.id)
    return [element.text for element in elements]  # type: ignore[attr-defined]


async def test_the_whole_history_in_words_a_page_at_a_time(user: User) -> None:
    _record(ADA, "auth.password_changed", 60)
    await sign_in(user, "ada@example.com")
    await user.open("/")
    await user.should_see(marker="overview-activity-all")
    user.find(marker="overview-activity-all").click()
    await user.should_see(marker="activity-table")
    total = _events_about(ADA)
    assert total > 60  # the 60 above and the sign-in
    assert _texts(user, "activity-total") == [_total(total)]
    assert _texts(user, "activity-page") == ["Page 1 of 2"]
    words = _texts(user, "activity-words")
    assert words == _newest_words(ADA, 50), "the newest fifty, newest first, in words"
    assert "Password changed" in words
    user.find(marker="activity-next").click()
    await user.should_see("Page 2 of 2")
    assert len(_texts(user, "activity-words")) == total - 50


async def test_another_customers_events_never_appear(user: User) -> None:
    _record(GRACE, "export.deleted", 3)
    await sign_in(user, "ada@example.com")
    await user.open("/activity")
    await user.should_see(marker="activity-table")
    assert "Export deleted" not in _texts(user, "activity-words")
    assert _texts(user, "activity-total") == [_total(_events_about(ADA))]


async def test_staff_have_no_account_activity_page(user: User) -> None:
    await sign_in(user, "dpo@example.com")
    response = await user.http_client.get("/activity")
    assert response.status_code == 403
    for part in ("No account activity here", "audit trail is in the console", "problem-way-on"):
        assert part in response.text, part


def _shown_texts(user: User) -> list[str]:
    """Every text the customer can see on the page: visible labels and links."""
    texts: list[str] = []
    for kind in (ui.label, ui.link):
        with suppress(AssertionError):  # none of this kind on the page
            texts += [element.text for element in user.find(kind).elements]  # type: ignore[attr-defined]
    return texts


async def test_no_internal_action_name_reaches_the_overview_or_the_activity_page(user: User) -> None:
    """The trail's own words (`auth.signed_in`, `request.verifying`) are the portal's, not the customer's (#21)."""
    actions = [*_WORDS, *(f"request.{status.value}" for status in RequestStatus), "portal.some_new_action"]
    for action in actions:
        _record(ADA, action, 1)
    await sign_in(user, "ada@example.com")
    for path, ready in (("/", "overview-activity"), ("/activity", "activity-table")):
        await user.open(path)
        await user.should_see(marker=ready)
        shown = _shown_texts(user)
        leaked = [text for text in shown if any(action in text for action in actions)]
        assert not leaked, f"{path} shows internal action names: {leaked}"
        assert not [text for text in shown if re.search(r"\b[a-z]+\.[a-z]+_[a-z_]+\b", text)], path
    assert "Portal: some new action" in _texts(user, "activity-words"), "an action without words is still told"
