"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain catches a changed, removed or reordered event, but not someone who can write the database and
re-computes every hash after the one they changed (dropping the append-only triggers takes one statement). So the
head of the chain (its sequence number and hash) is signed regularly with the portal's Ed25519 key, which is not in
the database, and appended to a file that is not in the database either. `audit verify` then checks that every
checkpointed head is still in the chain with the same hash: a rewrite of anything before the last checkpoint is
caught and narrowed to the span between the last checkpoint that still holds and the first that does not.

What a database writer can still do: change or add events after the last checkpoint (the worker writes one every
`CHECKPOINT_SECONDS`, and `audit verify` writes one after checking), undetected until then.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .. import signing
from ..config import get_settings
from ..models import AuditEvent, AuditSealState
from ..models.types import utcnow

CHECKPOINT_SECONDS = 600.0


def checkpoint_file() -> Path:
    return get_settings().audit_checkpoint_file


def write_checkpoint(engine: Engine, path: Path | None = None) -> dict[str, object] | None:
    """Sign the chain's current head and append it to the checkpoint file (one token a line). None: nothing is
    sealed yet, or the head did not move since the last checkpoint."""
    with Session(engine) as session:
        head = session.get(AuditSealState, 1)
    if head is None or head.last_seq == 0:
        return None
    path = path or checkpoint_file()
    last = _read(path)[-1:] if path.exists() else []
    if last and last[0].get("seq") == head.last_seq and last[0].get("hash") == head.last_hash:
        return None
    document: dict[str, object] = {"seq": head.last_seq, "hash": head.last_hash, "at": utcnow().isoformat()}
    token = signing.sign_document(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: a line written by one process is never interleaved with another's (portal and worker processes).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a") as handle:
        handle.write(token + "\n")
    return document


@dataclass(frozen=True)
class CheckpointCheck:
    ok: bool
    checked: int
    problem: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"{self.checked} signed checkpoint(s) of the chain head hold"
        return f"audit trail REWRITTEN: {self.problem}"


def verify_checkpoints(engine: Engine, path: Path | None = None) -> CheckpointCheck:
    path = path or checkpoint_file()
    if not path.exists():
        return CheckpointCheck(True, 0)
    keys = {key.kid: key.key for key in signing.get_keyring().public_keys()}
    held: dict[str, object] | None = None
    checked = 0
    with Session(engine) as session:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                point = signing.verify_document(line, keys)
            except signing.SignatureInvalid:
                return CheckpointCheck(False, checked, f"line {number} of {path} is not a checkpoint we signed")
            event = session.exec(select(AuditEvent).where(AuditEvent.seq == point["seq"])).first()
            if event is None or event.hash != point["hash"]:
                since = f"seq {held['seq']} (checkpoint of {held['at']}, which still holds)" if held else "the start"
                what = "is gone" if event is None else "has another hash"
                return CheckpointCheck(
                    False,
                    checked,
                    f"the head signed at {point['at']} (seq {point['seq']}) {what}: events between {since} and seq "
                    f"{point['seq']} were added, changed or removed, and the chain after them re-computed",
                )
            held, checked = point, checked + 1
    return CheckpointCheck(True, checked)


def _read(path: Path) -> list[dict[str, object]]:
    """The checkpoints as written (unverified: only to see whether the head moved)."""
    found = []
    for line in path.read_text().splitlines():
        parts = line.strip().split(".")
        if len(parts) == 4:
            try:
                found.append(json.loads(signing.keys.b64url_decode(parts[2])))
            except ValueError:
                continue
    return found
