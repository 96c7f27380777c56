"""The open-page watcher's two questions (portal/ui/page_watch.py), asked for every open page at once: where each
session stands, and how many notifications each bell has unread. Each answer must be what the one-page question
answers, and the number of queries must not grow with the number of pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from nicegui import Client
from sqlalchemy import event

from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.models import AuthSession, Notification, types
from portal.services.identity.auth import session_policy
from portal.services.identity.live_session import Standing, session_checks, session_standing, session_standings
from portal.services.identity.sessions import hash_token
from portal.services.views.notifications_view import unread_counts, unread_notifications
from portal.ui import page_watch, socket_guard
from tests.utils.principals import ADA, AGENT, GRACE, LINUS, principal_for, session_token_for


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_many_sessions_stand_as_each_would_alone(portal_env: Path) -> None:
    settings = get_settings()
    live = hash_token(session_token_for(ADA))
    revoked = hash_token(session_token_for(LINUS))
    idle = hash_token(session_token_for(GRACE))
    with session_scope() as session:
        row = session.get(AuthSession, revoked)
        assert row is not None
        row.revoked_at = types.utcnow()
        stale = session.get(AuthSession, idle)
        assert stale is not None
        stale.last_seen_at = types.utcnow() - timedelta(days=2)  # far past any idle timeout
    pages = [(live, ADA), (revoked, LINUS), (idle, GRACE), ("no-such-session", 999_999)]

    standings = session_standings(settings, pages)

    assert standings == {
        live: Standing.LIVE,
        revoked: Standing.ENDED,
        idle: Standing.ENDED,
        "no-such-session": Standing.ACCOUNT_GONE,  # neither the session nor its account exists
    }
    assert standings == {h: session_standing(settings, h, account) for h, account in pages}


def test_a_thousand_open_pages_cost_the_same_few_queries_as_one(portal_env: Path) -> None:
    settings = get_settings()
    one = [(hash_token(session_token_for(ADA)), ADA)]
    many = one + [(f"gone-{n}", 10_000 + n) for n in range(999)]  # pages whose sessions and accounts are gone

    with counted_statements() as for_one:
        session_standings(settings, one)
    with counted_statements() as for_many:
        standings = session_standings(settings, many)

    assert sum(s is Standing.ACCOUNT_GONE for s in standings.values()) == 999
    # Sessions and then the accounts of the missing ones, 500 keys per statement: 2 + 2 for a thousand pages.
    assert len(for_one) <= 2 and len(for_many) <= 4, (for_one, for_many)


def test_every_bell_counts_what_it_would_count_alone(portal_env: Path) -> None:
    ada, linus, agent = principal_for(ADA), principal_for(LINUS), principal_for(AGENT)
    with session_scope() as session:
        session.add(Notification(account_id=ADA, title="t", body="b", created_at=types.utcnow()))
        session.add(Notification(account_id=ADA, title="t", body="b", created_at=types.utcnow()))

    with counted_statements() as statements:
        counts = unread_counts([ada, linus, agent])

    assert counts == {ADA: unread_notifications(ada), LINUS: unread_notifications(linus)}
    assert counts[ADA] >= 2
    assert AGENT not in counts  # staff have no bell
    assert len(statements) == 1


def test_a_live_session_says_until_when_it_stands_by_time_alone(portal_env: Path) -> None:
    settings = get_settings()
    policy = session_policy(settings)
    session_hash = hash_token(session_token_for(ADA))
    with session_scope() as session:
        row = session.get(AuthSession, session_hash)
        assert row is not None
        row.last_seen_at = types.utcnow() - timedelta(minutes=1)
        expected = min(row.expires_at, row.last_seen_at + policy.idle)

    check = session_checks(settings, [(session_hash, ADA)])[session_hash]

    assert check.standing is Standing.LIVE
    assert check.live_until == expected
    assert session_checks(settings, [("gone", ADA)])["gone"].live_until is None  # an ended one has no deadline


def test_a_change_that_may_end_sessions_voids_every_word_and_asks_for_a_sweep() -> None:
    page = object.__new__(Client)  # a stand-in key: the watcher's word is kept per page object
    socket_guard.vouch(page, time.monotonic() + 60, socket_guard.epoch())
    assert socket_guard.vouched(page)

    page_watch._due.changed = False
    page_watch.note_change(frozenset({"privacy_request", "audit_event"}))  # requests and the trail end no session
    assert socket_guard.vouched(page) and not page_watch._due.changed

    page_watch.note_change(frozenset({"privacy_request", "auth_session"}))  # a session row was written
    assert not socket_guard.vouched(page) and page_watch._due.changed

    socket_guard.vouch(page, time.monotonic() + 60, socket_guard.epoch())
    page_watch._due.changed = False
    page_watch.note_change(None)  # SQLite's counter cannot say which table: anything may have ended
    assert not socket_guard.vouched(page) and page_watch._due.changed


def test_the_word_for_a_page_runs_out_at_its_deadline() -> None:
    page = object.__new__(Client)
    socket_guard.vouch(page, time.monotonic() - 0.001, socket_guard.epoch())  # its idle timeout has just passed
    assert not socket_guard.vouched(page)


def test_a_word_given_before_a_change_does_not_hold_after_it() -> None:
    # The sweep notes the epoch before it asks; a change announced while it asks makes its word void at once.
    page = object.__new__(Client)
    as_of = socket_guard.epoch()
    socket_guard.doubt_all()
    socket_guard.vouch(page, time.monotonic() + 60, as_of)
    assert not socket_guard.vouched(page)
