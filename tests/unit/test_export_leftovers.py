"""Export files nothing points at are cleaned up — a partial ZIP a killed build left behind, a ZIP whose package is
gone — at an erasure, at start-up and by the worker's housekeeping, but never the file a running build is writing,
in this process or another one (portal/exports/files.py, portal/services/rights/export_retention.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from portal.app import prepare_database
from portal.config import ROOT, get_settings
from portal.db import get_engine, session_scope
from portal.exports import files, writers
from portal.jobs import register_all
from portal.models import Account, ExportPackage, PrivacyRequest, RequestStatus
from portal.models.types import utcnow
from portal.queue.worker import Worker
from portal.services.rights import export_retention, exports
from tests.utils.principals import ADA, LINUS, principal_for

_HOLD = """
import sys, time
from pathlib import Path
from portal.exports.files import building
with building(Path(sys.argv[1])) as handle:
    handle.write(b"PK\\x03\\x04 half an export")
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def export_dir(portal_env: Path) -> Path:
    register_all()
    directory = get_settings().export_dir
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def build_in_another_process(export_dir: Path) -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Start a process that creates a partial file the way a build does and keeps writing it until it is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(path: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(path)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        started.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "writing"
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def _export(principal_id: int, key: str) -> int:
    return exports.request_export(
        principal_for(principal_id), categories=["identity"], formats=["json"], idempotency_key=key
    )


def _build(request_id: int) -> Path:
    worker = Worker(get_engine(), name=f"w{request_id}")
    assert worker.claim_specific(request_id)
    worker.process(request_id)
    with session_scope() as session:
        package = session.exec(select(ExportPackage).where(ExportPackage.request_id == request_id)).one()
        return get_settings().export_dir / str(package.file_name)


def _names(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


def test_the_file_a_build_is_writing_survives_every_clean_up_until_its_process_dies(
    export_dir: Path, build_in_another_process: Callable[[Path], subprocess.Popen[str]]
) -> None:
    request_id = _export(ADA, "k")
    partial = export_dir / files.partial_name(files.final_name(request_id))
    process = build_in_another_process(partial)
    with session_scope() as session:
        export_retention.purge_customer(session, ADA)  # an erasure of the customer the build is for
    assert export_retention.sweep_export_dir() == 0  # the start-up's sweep
    export_retention.purge_expired()  # the worker's housekeeping
    assert partial.is_file(), "a running build's file is never deleted under it"

    process.send_signal(signal.SIGKILL)  # the build dies without a chance to clean up; the kernel drops its lock
    process.wait()
    assert partial.is_file()
    assert export_retention.sweep_export_dir() == 1
    assert not partial.exists()


def test_a_build_in_this_process_holds_its_file_too(export_dir: Path) -> None:
    partial = export_dir / files.partial_name(files.final_name(1))
    with files.building(partial):
        assert not files.remove_unless_building(partial)
        assert export_retention.sweep_export_dir() == 0
    assert files.remove_unless_building(partial), "a file left unlocked (its build gone) is a leftover"


def test_the_start_up_removes_leftovers_and_keeps_what_is_live(export_dir: Path) -> None:
    live = _build(_export(ADA, "live")).name
    in_flight = _export(LINUS, "in-flight")  # claimed by a worker that is about to record its ZIP
    assert Worker(get_engine(), name="busy").claim_specific(in_flight)
    being_recorded = files.final_name(in_flight)
    leftovers = {
        files.partial_name(files.final_name(in_flight)): b"PK\x03\x04 a killed build's half",
        files.final_name(999): b"a ZIP whose worker lost its lease",
        "notes.txt": b"a stray file",
    }
    for name, content in {**leftovers, being_recorded: b"complete"}.items():
        (export_dir / name).write_bytes(content)

    prepare_database(get_settings())
    assert _names(export_dir) == {live, being_recorded}

    Worker(get_engine(), name="busy").process(in_flight)  # it records a ZIP of its own: that one is an orphan now
    export_retention.purge_expired()
    with session_scope() as session:
        recorded = {p.file_name for p in session.exec(select(ExportPackage))}
    assert being_recorded not in recorded and _names(export_dir) == recorded


def test_an_export_finished_after_its_customer_withdrew_is_not_delivered(
    export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure leaves the file of a running build alone; the build finds the account closed and removes it."""
    request_id = _export(ADA, "k")
    original: Callable[..., int] = writers.json_kind

    def withdrawing(*args: Any, **kwargs: Any) -> int:
        with session_scope() as session:  # the withdrawal's first step, in another transaction, mid-build
            account = session.get(Account, ADA)
            assert account is not None
            account.deactivated_at = utcnow()
            session.add(account)
        return original(*args, **kwargs)

    monkeypatch.setattr(writers, "json_kind", withdrawing)
    worker = Worker(get_engine(), name="w")
    assert worker.claim_specific(request_id)
    worker.process(request_id)
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value
        assert request.outcome == "Not delivered: the account was closed while the export was built."
        assert session.exec(select(ExportPackage).where(ExportPackage.request_id == request_id)).first() is None
    assert _names(export_dir) == set()
