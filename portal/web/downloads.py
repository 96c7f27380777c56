"""Downloads over plain HTTP: a customer's export (a signed link that only works in the session of the customer it
was made for) and the privacy officer's audit trail as CSV (streamed: it can be the whole trail)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from ..errors import PortalError
from ..i18n import _
from ..services.identity import tokens
from ..services.rights import exports
from ..services.views import audit_export
from ..services.views.audit_view import AuditQuery
from .middleware import error_page

AUDIT_CSV_PATH = "/staff/audit.csv"


def register(app: FastAPI) -> None:
    @app.get("/exports/{request_id}/download", include_in_schema=False)
    async def download_export(request: Request, request_id: int, token: str = "") -> Response:
        principal = getattr(request.state, "principal", None)
        try:
            path, name = await run_in_threadpool(exports.open_download, principal, request_id, token)
        except tokens.TokenError as problem:
            return HTMLResponse(error_page(_("Download link not valid"), str(problem)), status_code=403)
        except PortalError as problem:
            return HTMLResponse(error_page(_("Download not possible"), str(problem)), status_code=403)
        return FileResponse(path, media_type="application/zip", filename=name, headers={"Cache-Control": "no-store"})

    @app.get(AUDIT_CSV_PATH, include_in_schema=False)
    async def download_audit_trail(request: Request, action: str = "", subject: str = "", actor: str = "") -> Response:
        """The events the officer's filters on /staff/audit select (the page builds this link from them)."""
        principal = request.state.principal  # the middleware let only staff this far
        query = AuditQuery(action=action[:100], subject_id=_account_id(subject), actor_id=_account_id(actor))
        try:
            rows = await run_in_threadpool(audit_export.audit_csv, principal, query)
        except PortalError:
            return HTMLResponse(error_page(_("Not allowed"), _("The audit trail is for privacy officers only.")), 403)
        return StreamingResponse(
            rows,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"', "Cache-Control": "no-store"},
        )


def _account_id(text: str) -> int | None:
    """An account number from the link ("#12" or "12"); anything else filters nothing, as on the page."""
    digits = text.strip().lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None
