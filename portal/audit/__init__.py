"""The append-only, hash-chained audit trail."""

from .chain import Verification, seal, verify
from .checkpoints import CheckpointCheck, verify_checkpoints, write_checkpoint
from .trail import Actor, audit_insert, audit_row, origin_of, record, record_rows

__all__ = [
    "Actor",
    "CheckpointCheck",
    "Verification",
    "audit_insert",
    "audit_row",
    "origin_of",
    "record",
    "record_rows",
    "seal",
    "verify",
    "verify_checkpoints",
    "write_checkpoint",
]
