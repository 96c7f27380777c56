"""Exports (GDPR Art. 15 access and Art. 20 portability): choosing, previewing, building, downloading and
deleting (retention and purging are `export_retention`). Files live in the configured export directory,
reachable by every process."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ...audit import record
from ...catalogue import get_catalogue
from ...categories import PageQuery, get_registry
from ...config import get_settings
from ...db import get_engine, session_scope
from ...exports.builder import Extras, build
from ...exports.writers import FORMATS
from ...i18n import N_, _, current_locale, known, ngettext, valid_time_zone
from ...i18n.formats import format_number
from ...models import Account, ExportPackage, PrivacyRequest, RequestStatus
from ...models.types import utcnow
from ...queue import service as queue
from ...queue.registry import JobContext, PayloadError
from ..access import WRITES, Audience, check, use_case
from ..identity import step_up, tokens
from ..identity.principal import Principal
from ..plain import ExportPackageInfo, plain
from . import portal_records
from .export_allowance import ExportError, refuse_beyond_allowance
from .export_estimate import estimated_bytes
from .export_retention import remove_file, remove_package

# What `list_exports` reads: a page showing the list refreshes when one of these tables was written (a package
# built, a request moved on), by whichever process.
LIST_TABLES = frozenset({ExportPackage.__tablename__, PrivacyRequest.__tablename__})


@dataclass(frozen=True)
class ExportView:
    package: ExportPackageInfo
    status: str
    progress_done: int
    progress_total: int


def validate_choice(categories: list[str], formats: list[str]) -> None:
    if not categories:
        raise ExportError(_("Choose at least one category."))
    unknown = [c for c in categories if c not in get_catalogue().categories]
    if unknown:
        raise ExportError(_("Unknown category: {categories}.").format(categories=", ".join(unknown)))
    if not formats:
        raise ExportError(_("Choose at least one format."))
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ExportError(
            _("Unknown format: {formats}. Choose from JSON, CSV and HTML.").format(formats=", ".join(bad))
        )


@use_case(Audience.CUSTOMER, what=N_("exports"))
def preview(principal: Principal, categories: list[str], formats: list[str], rows: int = 3) -> dict[str, Any]:
    """The first rows of each chosen category and the estimated size of the ZIP."""
    validate_choice(categories, formats)
    registry = get_registry()
    result: dict[str, Any] = {"categories": {}, "records": 0}
    counts: dict[str, dict[str, int]] = {}
    with session_scope() as session:
        for key in categories:
            category = get_catalogue().categories[key]
            kinds = []
            for kind in category.kinds:
                page = registry.list_records(
                    session, customer_id=principal.account_id, kind=kind, query=PageQuery.parse(kind, page_size=rows)
                )
                kinds.append({"kind": kind, "rows": page.rows, "total": page.total})
                counts.setdefault(key, {})[kind.key] = page.total
                result["records"] += page.total
            result["categories"][key] = kinds
    result["estimated_bytes"] = estimated_bytes(counts, formats)
    return result


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("exports"))
def request_export(principal: Principal, *, categories: list[str], formats: list[str], idempotency_key: str) -> int:
    validate_choice(categories, formats)
    with session_scope() as session:
        refuse_beyond_allowance(session, principal.account_id, idempotency_key)
        ordered = [k for k in get_catalogue().categories if k in categories]
        request, _created = queue.submit(
            session,
            type_key="export",
            subject_id=principal.account_id,
            actor=principal.actor(),
            idempotency_key=idempotency_key,
            payload={
                "categories": ordered,
                "formats": [f for f in FORMATS if f in formats],
                "locale": known(current_locale(), allow_pseudo=False),
            },
        )
        assert request.id is not None
        return request.id


def build_for_request(context: JobContext) -> str:
    """The export handler: builds the ZIP outside the request's transaction, then records it."""
    request = context.request
    assert request.subject_id is not None and request.id is not None
    settings = get_settings()
    categories, formats = list(request.payload["categories"]), list(request.payload["formats"])
    with session_scope() as session:
        summaries = get_registry().summaries(session, customer_id=request.subject_id)
        owner = session.get(Account, request.subject_id)
        time_zone = valid_time_zone(owner.time_zone) if owner is not None else None
        # The account's saved language, else the one the customer's pages spoke when they asked for the export.
        locale = known(owner.locale if owner is not None else None) or known(request.payload.get("locale"))
    total = sum(s.count for key in categories for s in summaries[key])
    context.session.commit()  # release the handler's transaction while the file is written

    def _progress(done: int, of: int) -> None:
        context.progress(done, of)

    result = build(
        get_engine(),
        directory=settings.export_dir,
        customer_id=request.subject_id,
        request_id=request.id,
        categories=categories,
        formats=formats,
        total_hint=total,
        progress=_progress,
        # The report's times are in the customer's time zone; without one saved, in UTC, and it says so. Its words
        # are in the customer's language (the builder speaks it while it writes).
        extras=Extras(
            sections=portal_records.sections_for(request.subject_id),
            time_zone=time_zone,
            backup_days=settings.backup_retention_days,
            locale=locale,
        ),
    )
    with session_scope() as fresh:  # read now, not in the handler's snapshot: an erasure may have begun meanwhile
        account = fresh.get(Account, request.subject_id)
        closed = account is None or account.deactivated_at is not None
    if closed:  # the customer withdrew while the ZIP was written; the erasure leaves a file being written alone
        remove_file(settings.export_dir, result.file_name)
        return _("Not delivered: the account was closed while the export was built.")
    session = context.session
    package = session.exec(select(ExportPackage).where(ExportPackage.request_id == request.id)).first()
    if package is not None and package.file_name:  # an earlier attempt finished: keep one file
        remove_file(settings.export_dir, result.file_name)
    else:
        package = package or ExportPackage(
            request_id=request.id,
            customer_id=request.subject_id,
            categories=categories,
            formats=formats,
            created_at=utcnow(),
        )
        package.file_name, package.size_bytes, package.sha256 = result.file_name, result.size_bytes, result.sha256
        package.record_count, package.ready_at = result.record_count, utcnow()
        package.expires_at = utcnow() + timedelta(days=settings.export_retention_days)
        package.details = {"record_counts": result.manifest["record_counts"]}
        session.add(package)
    return ngettext(
        "Your export is ready: {count} record. Download it from the Exports page.",
        "Your export is ready: {count} records. Download it from the Exports page.",
        package.record_count,
    ).format(count=format_number(package.record_count))


@use_case(Audience.CUSTOMER, what=N_("exports"))
def list_exports(principal: Principal) -> list[ExportView]:
    with session_scope() as session:
        requests = session.exec(
            select(PrivacyRequest)
            .where(col(PrivacyRequest.subject_id) == principal.account_id, col(PrivacyRequest.type) == "export")
            .order_by(col(PrivacyRequest.id).desc())
        ).all()
        packages = {
            p.request_id: p
            for p in session.exec(select(ExportPackage).where(ExportPackage.customer_id == principal.account_id))
        }
        views = []
        for request in requests:
            assert request.id is not None
            package = packages.get(request.id) or ExportPackage(
                request_id=request.id,
                customer_id=principal.account_id,
                categories=request.payload.get("categories", []),
                formats=request.payload.get("formats", []),
                created_at=request.received_at,
            )
            views.append(
                ExportView(
                    plain(ExportPackageInfo, package), request.status, request.progress_done, request.progress_total
                )
            )
        return views


@use_case(Audience.CUSTOMER, act="download_export", what=N_("exports"))
def download_link(principal: Principal, request_id: int) -> str:
    """A signed link to the ZIP, made when Download is pressed; needs a fresh check (everything the portal holds about
    the customer is in it)."""
    package = _own_ready_package(principal, request_id)
    step_up.require_recent_check(principal)
    token = tokens.sign(
        tokens.Purpose.EXPORT_DOWNLOAD,
        {"customer_id": principal.account_id, "request_id": request_id, "nonce": uuid.uuid4().hex[:8]},
    )
    assert package.request_id is not None
    return f"/exports/{request_id}/download?token={token}"


def open_download(principal: Principal | None, request_id: int, token: str) -> tuple[Path, str]:
    """Check a download link against the signed-in customer; returns the file and the name to save as."""
    if principal is not None:
        check(principal, Audience.CUSTOMER, act="download_export", what=N_("exports"))
    data = tokens.read(tokens.Purpose.EXPORT_DOWNLOAD, token, max_age=get_settings().export_link_minutes * 60)
    if principal is None or data.get("customer_id") != principal.account_id or data.get("request_id") != request_id:
        raise ExportError(_("This download link is not for you. Sign in as the customer who asked for the export."))
    # Again here: a link lives an hour, and a stolen session cookie must not download with one found in a history.
    step_up.require_recent_check(principal)
    package = _own_ready_package(principal, request_id)
    path = get_settings().export_dir / str(package.file_name)
    if not path.is_file():
        raise ExportError(_("This export is no longer available. Please ask for a new one."))
    with session_scope() as session:
        record(
            session,
            action="export.downloaded",
            actor=principal.actor(),
            subject_id=principal.account_id,
            target_type="request",
            target_id=request_id,
        )
    return path, f"personal-data-export-{request_id}.zip"


def _own_ready_package(principal: Principal, request_id: int) -> ExportPackage:
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        if request is None or request.subject_id != principal.account_id or request.type != "export":
            raise ExportError(_("There is no such export."))
        package = session.exec(select(ExportPackage).where(ExportPackage.request_id == request_id)).first()
        if request.status != RequestStatus.COMPLETED.value or package is None or not package.file_name:
            raise ExportError(_("This export is still being built. Please wait until it is ready."))
        if package.deleted_at is not None or (package.expires_at and package.expires_at < utcnow()):
            raise ExportError(_("This export has been deleted. Please ask for a new one."))
        return package


@use_case(Audience.CUSTOMER, act=WRITES, what=N_("exports"))
def delete_export(principal: Principal, request_id: int) -> None:
    with session_scope() as session:
        package = session.exec(
            select(ExportPackage).where(
                ExportPackage.request_id == request_id, ExportPackage.customer_id == principal.account_id
            )
        ).first()
        if package is None:
            raise ExportError(_("There is no such export."))
        remove_package(session, package)
        record(
            session,
            action="export.deleted",
            actor=principal.actor(),
            subject_id=principal.account_id,
            target_type="request",
            target_id=request_id,
        )


def ensure_payload_ok(payload: dict[str, Any]) -> None:
    try:
        validate_choice(list(payload.get("categories", [])), list(payload.get("formats", [])))
    except ExportError as exc:
        raise PayloadError(str(exc)) from None
