"""The append-only, hash-chained audit trail."""

from .chain import Verification, seal, verify
from .trail import Actor, origin_of, record

__all__ = ["Actor", "Verification", "origin_of", "record", "seal", "verify"]
