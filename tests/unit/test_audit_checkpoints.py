"""Signed checkpoints of the audit chain's head (portal/audit/checkpoints.py): a database writer who rewrites an
event and re-computes every later hash passes the chain check, but not the checkpoints, which are signed with a key
outside the database and kept in a file outside it; the report names the span between checkpoints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal import signing
from portal.audit import seal, verify, verify_checkpoints, write_checkpoint
from portal.audit.chain import event_hash
from portal.config import get_settings
from portal.db import get_engine
from portal.models import AuditEvent
from portal.signing.keys import KeyRing
from tests.unit.test_audit_chain import _drop_triggers, _raw, _record
from tests.utils.queue import REPO_ROOT, process_env


def _rechain_from(engine: Engine, seq: int) -> None:
    """What a careful forger does after changing event `seq`: re-compute its hash and every later one, and the
    chain head, so that the chain itself verifies again."""
    with Session(engine) as session:
        events = list(
            session.execute(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)).scalars()
        )
        previous = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1)).scalar_one()
        updates = []
        for event in events:
            new = event_hash(event, previous)
            updates.append((event.seq, previous, new))
            previous = new
    for number, prev_hash, new in updates:
        _raw(engine, "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s", p=prev_hash, h=new, s=number)
    _raw(engine, "UPDATE audit_seal_state SET last_hash = :h WHERE id = 1", h=previous)


def test_a_re_chained_rewrite_passes_the_chain_but_not_the_signed_checkpoints(portal_env: Path) -> None:
    engine = get_engine()
    _record(engine, 10)
    seal(engine)
    first = write_checkpoint(engine)
    _record(engine, 10, start=10)
    seal(engine)
    second = write_checkpoint(engine)
    assert first and second and first["seq"] < second["seq"]
    assert write_checkpoint(engine) is None, "the head did not move: no new line"
    assert verify_checkpoints(engine).describe() == "2 signed checkpoint(s) of the chain head hold"

    _drop_triggers(engine)
    target = int(first["seq"]) + 3  # an event between the two checkpoints
    _raw(engine, "UPDATE audit_event SET details = '{\"n\": 999}' WHERE seq = :s", s=target)
    _rechain_from(engine, target)
    assert verify(engine).ok, "the re-computed chain verifies on its own"
    check = verify_checkpoints(engine)
    assert not check.ok
    assert f"seq {first['seq']} (checkpoint of {first['at']}, which still holds)" in check.describe()
    assert f"and seq {second['seq']} were added, changed or removed" in check.describe()


def test_a_forged_checkpoint_line_is_refused(portal_env: Path, tmp_path: Path) -> None:
    engine = get_engine()
    _record(engine, 3)
    seal(engine)
    write_checkpoint(engine)
    forged = signing.sign_document({"seq": 1, "hash": "0" * 64, "at": "2026-01-01"}, KeyRing(tmp_path / "forger"))
    with get_settings().audit_checkpoint_file.open("a") as handle:
        handle.write(forged + "\n")
    check = verify_checkpoints(engine)
    assert not check.ok and "line 2" in (check.problem or "") and "not a checkpoint we signed" in (check.problem or "")


def test_audit_verify_checks_the_checkpoints_and_writes_one(portal_env: Path) -> None:
    engine = get_engine()
    _record(engine, 6)

    def cli() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", "audit", "verify"],
            cwd=REPO_ROOT,
            env=process_env(portal_env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    intact = cli()
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "0 signed checkpoint(s) of the chain head hold" in intact.stdout
    assert get_settings().audit_checkpoint_file.exists(), "the command leaves a signed head behind"
    _drop_triggers(engine)
    _raw(engine, "UPDATE audit_event SET details = '{\"n\": 7}' WHERE seq = 2")
    _rechain_from(engine, 2)
    rewritten = cli()
    assert rewritten.returncode == 1
    assert "audit chain intact" in rewritten.stdout and "audit trail REWRITTEN" in rewritten.stdout
