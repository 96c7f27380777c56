"""A worker process started while its database is away waits for it instead of exiting."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from portal.db import make_engine, wait_for_database
from tests.utils.cluster import free_port


def test_waits_until_the_database_can_be_opened(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "not-yet"  # SQLite cannot open a database in a folder that does not exist yet
    engine = make_engine(f"sqlite:///{folder / 'portal.db'}")
    creator = threading.Timer(0.8, folder.mkdir)
    creator.start()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="portal.db"):
        wait_for_database(engine, timeout=30)
    waited = time.monotonic() - started
    creator.join()
    engine.dispose()
    assert 0.8 <= waited < 10
    assert "database not reachable" in caplog.text


def test_gives_up_after_the_timeout_with_the_databases_error(caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")  # nothing listens there
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="portal.db"), pytest.raises(OperationalError):
        wait_for_database(engine, timeout=1.2)
    assert 0.4 <= time.monotonic() - started < 10
    assert caplog.text.count("database not reachable") >= 1
    engine.dispose()
