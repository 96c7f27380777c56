"""Where export files go when they are no longer wanted: past their retention (swept by the worker), orphaned by a
worker that lost its lease, deleted by the customer, or erased with the customer.

Apart from `exports` (choosing, building and handing out a package) because retention is housekeeping that the
worker and an erasure run, not a customer use case; both delete files the same way, through here.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlmodel import Session, col, select

from ...config import get_settings
from ...db import session_scope
from ...models import ExportPackage
from ...models.types import utcnow


def purge_expired(session: Session | None = None) -> int:
    """Delete export files past their retention (run by the worker) — returns how many."""
    with session_scope() as own:
        session = session or own
        expired = session.exec(
            select(ExportPackage).where(
                col(ExportPackage.deleted_at).is_(None),
                col(ExportPackage.expires_at) < utcnow(),
            )
        ).all()
        for package in expired:
            remove_package(session, package)
        live = {p.file_name for p in session.exec(select(ExportPackage).where(col(ExportPackage.deleted_at).is_(None)))}
    return len(expired) + _sweep_orphans(get_settings().export_dir, live)


def _sweep_orphans(directory: Path, live: set[str | None]) -> int:
    """ZIPs no package points at (a worker that lost its lease after building) are deleted after an hour."""
    if not directory.is_dir():
        return 0
    cutoff = time.time() - 3600
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.name not in live and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def purge_customer(session: Session, customer_id: int) -> None:
    for package in session.exec(select(ExportPackage).where(ExportPackage.customer_id == customer_id)).all():
        remove_package(session, package)


def remove_package(session: Session, package: ExportPackage) -> None:
    if package.file_name:
        remove_file(get_settings().export_dir, package.file_name)
    package.deleted_at = package.deleted_at or utcnow()
    session.add(package)


def remove_file(directory: Path, name: str) -> None:
    (directory / name).unlink(missing_ok=True)
