"""Helpers for the request-queue tests: actors, row counts, walking a request through statuses, a
PostgreSQL engine holding the demo data in a throw-away schema, and the environment of a worker process."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from portal.audit import Actor
from portal.models import PrivacyRequest, RequestEvent, RequestStatus
from portal.queue import service
from tests.utils.environment import TEST_SECRET
from tests.utils.postgres import configured_postgres_url, describe, postgres_schema_engine, postgres_url

ADA, GRACE, LINUS, MARGARET, AGENT, DPO = 1, 2, 3, 4, 5, 6
REPO_ROOT = Path(__file__).resolve().parent.parent.parent

VALID_RESTRICTION = {"category": "usage", "reason": "I dispute the accuracy of this data."}


def customer(account_id: int) -> Actor:
    return Actor(account_id=account_id, role="customer", origin="portal")


def agent() -> Actor:
    return Actor(account_id=AGENT, role="agent", origin="staff")


def officer() -> Actor:
    return Actor(account_id=DPO, role="dpo", origin="staff")


def count(session: Session, table: type[SQLModel], *where: Any) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def counts(engine: Engine, *tables: type[SQLModel]) -> dict[str, int]:
    """Row counts in a fresh session, so nothing the caller's session holds can hide a write."""
    with Session(engine) as session:
        return {table.__tablename__: count(session, table) for table in tables}  # type: ignore[attr-defined]


def file_restriction(session: Session, subject_id: int, key: str, **payload: Any) -> PrivacyRequest:
    request, created = service.submit(
        session,
        type_key="restriction",
        subject_id=subject_id,
        actor=customer(subject_id),
        payload={**VALID_RESTRICTION, **payload},
        idempotency_key=key,
    )
    assert created
    return _tracked(session, request)


def file_diagnostic(session: Session, key: str, *, subject_id: int = DPO, **payload: Any) -> PrivacyRequest:
    request, created = service.submit(
        session,
        type_key="diagnostic",
        subject_id=subject_id,
        actor=officer(),
        payload=payload,
        idempotency_key=key,
        channel="staff",
    )
    assert created
    return _tracked(session, request)


def _tracked(session: Session, filed: PrivacyRequest) -> PrivacyRequest:
    """The filed request loaded into `session`, as a caller that moves it on does (submit answers with a
    detached snapshot)."""
    request = session.get(PrivacyRequest, filed.id)
    assert request is not None
    return request


def walk(session: Session, request: PrivacyRequest, path: Sequence[RequestStatus]) -> PrivacyRequest:
    """Move a request along legal transitions (as the system would), one service transition each."""
    for status in path:
        service.transition(session, request, status, actor=Actor.system())
    return request


def set_columns(engine: Engine, request_id: int, **values: Any) -> None:
    """Change a request row behind the service's back (to set up a situation, or to let time pass)."""
    with Session(engine) as session:
        session.execute(update(PrivacyRequest).where(PrivacyRequest.id == request_id).values(**values))
        session.commit()


def load(engine: Engine, request_id: int) -> PrivacyRequest:
    with Session(engine, expire_on_commit=False) as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        return request


def status_events(engine: Engine, request_id: int) -> list[tuple[str | None, str | None]]:
    with Session(engine) as session:
        rows = session.execute(
            select(RequestEvent.from_status, RequestEvent.to_status)
            .where(RequestEvent.request_id == request_id, RequestEvent.kind == "status")
            .order_by(RequestEvent.id)
        ).all()
    return [(row[0], row[1]) for row in rows]


def effect_count(engine: Engine, request_id: int) -> int:
    with Session(engine) as session:
        return count(
            session, RequestEvent, RequestEvent.request_id == request_id, RequestEvent.message == "diagnostic effect"
        )


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def require_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(
            f"PostgreSQL not reachable at {describe(configured_postgres_url())} "
            "(set PORTAL_TEST_POSTGRES_URL to a database the tests may create schemas in)"
        )
    return url


@contextmanager
def postgres_demo_engine(*, prefix: str = "queue_test") -> Iterator[Engine]:
    """A fresh PostgreSQL schema, migrated and seeded with the demo accounts; dropped afterwards.
    Skips the test when the server cannot be reached."""
    from portal.db import migrate
    from portal.seed.demo import seed_demo

    url = require_postgres()
    with postgres_schema_engine(url, prefix=prefix) as engine:
        migrate.upgrade(engine)
        seed_demo(engine=engine)
        yield engine


def schema_url(engine: Engine) -> str:
    """A DATABASE_URL that reaches the same schema as `engine` (search_path passed as a libpq option)."""
    with engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
    base = engine.url.render_as_string(hide_password=False)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


# --- worker processes ---------------------------------------------------------------------------------------


def process_env(data_dir: Path, *, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `python main.py ...` subprocess: the test runner's own pytest and NiceGUI
    variables and any portal settings stripped, then the test's settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTEST_CURRENT_TEST" and not name.startswith(("NICEGUI_", "PORTAL_")) and name != "DATABASE_URL"
    }
    env.update(
        PORTAL_DATA_DIR=str(data_dir), PORTAL_MODE="demo", PORTAL_SECRET_KEY=TEST_SECRET, PYTHONUNBUFFERED="1", **extra
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextmanager
def seeded_postgres_schema(tmp_path: Path, *, prefix: str, **settings: str) -> Iterator[tuple[Engine, dict[str, str]]]:
    """A throw-away PostgreSQL schema, migrated and seeded by `python main.py seed`, and the environment for
    `python main.py` subprocesses that use it (skips the test where PostgreSQL is unreachable)."""
    from tests.utils.cluster import seed  # cluster imports this module's process_env users lazily
    from tests.utils.environment import reset_portal_caches, use_data_dir

    url = require_postgres()
    use_data_dir(tmp_path / "data")
    with postgres_schema_engine(url, prefix=prefix) as engine:
        env = process_env(tmp_path / "data", database_url=schema_url(engine), **settings)
        seed(env)
        yield engine, env
    reset_portal_caches()


def assert_each_completed_exactly_once(engine: Engine, ids: list[int]) -> None:
    """Every request completed, each with exactly one diagnostic effect: none lost, none done twice."""
    with Session(engine) as session:
        statuses = dict(
            session.execute(
                select(PrivacyRequest.status, func.count())
                .where(  # type: ignore[call-overload]
                    PrivacyRequest.id.in_(ids)
                )
                .group_by(PrivacyRequest.status)
            ).all()
        )  # type: ignore[union-attr]
        effects = dict(
            session.execute(
                select(RequestEvent.request_id, func.count())
                .where(  # type: ignore[call-overload]
                    RequestEvent.request_id.in_(ids), RequestEvent.message == "diagnostic effect"
                )  # type: ignore[attr-defined]
                .group_by(RequestEvent.request_id)
            ).all()
        )
    assert statuses == {"completed": len(ids)}, f"requests were lost or left unfinished: {statuses}"
    assert sorted(effects) == sorted(ids), "some requests have no effect"
    assert set(effects.values()) == {1}, f"effects applied twice: {[(i, n) for i, n in effects.items() if n != 1][:10]}"
