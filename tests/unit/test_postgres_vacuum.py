"""The workers vacuum the tables the queue churns on PostgreSQL (portal.db.postgres_vacuum), and nothing on SQLite."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from portal.db import make_engine, postgres_vacuum
from portal.jobs.runtime import WorkerPool
from tests.utils.postgres import postgres_database_engine
from tests.utils.queue import require_postgres


def _stats(engine: Engine, table: str) -> tuple[int, int]:
    """(dead row versions, vacuums so far) of `table`, as PostgreSQL's statistics show them now."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")  # this backend's counts, at once
        connection.commit()
        connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = connection.execute(
            text(
                "SELECT n_dead_tup, vacuum_count FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() AND relname = :t"
            ),
            {"t": table},
        ).one()
    return int(row[0]), int(row[1])


@pytest.mark.postgres
def test_a_table_with_enough_dead_rows_is_vacuumed_and_one_without_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres_vacuum, "DEAD_ROWS", 200)
    monkeypatch.setattr(postgres_vacuum, "DEAD_SHARE", 0.5)  # 200 + half of the live rows
    # A database of its own: in the shared one, another connection's open transaction (a parallel test, someone
    # else's test run) keeps the dead rows from being removed, and the vacuum below would leave 600 of them.
    with postgres_database_engine(require_postgres(), prefix="vacuum_test") as engine:
        with engine.begin() as connection:
            for name in ("churned", "quiet"):
                connection.exec_driver_sql(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, status TEXT)")
                connection.exec_driver_sql(f"INSERT INTO {name} SELECT n, 'queued' FROM generate_series(1, 300) n")
        for status in ("processing", "completed"):  # as requests go through the queue: 600 dead versions
            with engine.begin() as connection:
                connection.exec_driver_sql(f"UPDATE churned SET status = '{status}'")
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE quiet SET status = 'done' WHERE id <= 100")  # 100 dead: not due
        deadline = time.monotonic() + 10
        while _stats(engine, "churned")[0] < 600 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _stats(engine, "churned") == (600, 0)
        assert _stats(engine, "quiet") == (100, 0)

        assert postgres_vacuum.due_tables(engine) == ["churned"]
        assert postgres_vacuum.vacuum_due_tables(engine) == ["churned"]
        assert _stats(engine, "churned") == (0, 1)
        assert _stats(engine, "quiet") == (100, 0), "a table below the threshold was vacuumed"
        assert postgres_vacuum.vacuum_due_tables(engine) == [], "a freshly vacuumed table was vacuumed again"


def test_sqlite_has_nothing_to_vacuum(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    assert postgres_vacuum.due_tables(engine) == []
    assert postgres_vacuum.vacuum_due_tables(engine) == []
    engine.dispose()


def test_every_worker_process_runs_the_vacuum_turn(portal_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first worker of each process runs it among its maintenance tasks, every VACUUM_SECONDS."""
    from portal.config import get_settings
    from portal.db import get_engine
    from portal.jobs import runtime

    calls: list[Engine] = []
    monkeypatch.setattr(runtime, "vacuum_due_tables", lambda engine: calls.append(engine) or [])
    pool = WorkerPool(get_settings())
    vacuum_turns = [task for interval, task in pool.maintenance if interval == postgres_vacuum.VACUUM_SECONDS]
    for task in vacuum_turns:
        assert task() is not True, "the vacuum turn asked to run again at once"
    assert calls == [get_engine()]
