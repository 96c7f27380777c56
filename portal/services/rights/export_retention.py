"""Where export files go when they are no longer wanted: past their retention (swept by the worker), orphaned by a
worker that lost its lease or a process killed half way through a build, deleted by the customer, erased with the
customer, or left behind by `seed --reset`.

Apart from `exports` (choosing, building and handing out a package) because retention is housekeeping that the
worker, the start-up, the seed and an erasure run, not a customer use case; all delete files the same way, through
here. A partial file a build is still writing is never touched (portal/exports/files.py).
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from ...config import get_settings
from ...db import session_scope
from ...exports import files
from ...models import ExportPackage, PrivacyRequest, RequestStatus
from ...models.types import utcnow


def purge_expired(session: Session | None = None) -> int:
    """Delete export files past their retention, and the files no package names (run by the worker) — returns
    how many."""
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
    return len(expired) + sweep_export_dir()


def sweep_export_dir() -> int:
    """Remove every file in the export directory that no live package names — returns how many: partial files no
    build is writing (a process killed half way leaves them), and ZIPs nothing points at (a worker that lost its
    lease after building, packages deleted by `seed --reset`, stray files). A ZIP whose request is still being
    processed is left alone: its build may be about to record it. Run at start-up, by the worker's housekeeping and
    by `seed --reset`."""
    directory = get_settings().export_dir
    if not directory.is_dir():
        return 0
    # Listed before the database is read: a ZIP renamed into place after this listing is not looked at, and one
    # renamed before it belongs to a request that was processing (or recorded its package) before the read below.
    found = [path for path in directory.iterdir() if path.is_file()]
    with session_scope() as session:
        live = set(session.exec(select(ExportPackage.file_name).where(col(ExportPackage.deleted_at).is_(None))).all())
        in_flight = set(
            session.exec(
                select(PrivacyRequest.id).where(col(PrivacyRequest.status) == RequestStatus.PROCESSING.value)
            ).all()
        )
    removed = 0
    for path in found:
        if path.name in live:
            continue
        if files.is_partial(path.name):
            removed += files.remove_unless_building(path)
        elif files.request_id_of(path.name) not in in_flight:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def purge_customer(session: Session, customer_id: int) -> None:
    """An erasure: the customer's packages and their files, and every other file built for one of the customer's
    requests — a ZIP a worker built but never recorded, a partial file an interrupted build left behind. A partial
    file a build is still writing is left to that build: it removes its file when it fails, and when it completes
    for an account that is closed meanwhile (`exports.build_for_request`)."""
    for package in session.exec(select(ExportPackage).where(ExportPackage.customer_id == customer_id)).all():
        remove_package(session, package)
    requests = set(session.exec(select(PrivacyRequest.id).where(PrivacyRequest.subject_id == customer_id)).all())
    directory = get_settings().export_dir
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if files.request_id_of(path.name) in requests:
            if files.is_partial(path.name):
                files.remove_unless_building(path)
            else:
                path.unlink(missing_ok=True)


def remove_package(session: Session, package: ExportPackage) -> None:
    if package.file_name:
        remove_file(get_settings().export_dir, package.file_name)
    package.deleted_at = package.deleted_at or utcnow()
    session.add(package)


def remove_file(directory: Path, name: str) -> None:
    (directory / name).unlink(missing_ok=True)
