"""Export downloads: a signed link that only works in the session of the customer it was made for."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from ..errors import PortalError
from ..services.identity import tokens
from ..services.rights import exports
from .middleware import error_page


def register(app: FastAPI) -> None:
    @app.get("/exports/{request_id}/download", include_in_schema=False)
    async def download_export(request: Request, request_id: int, token: str = "") -> Response:
        principal = getattr(request.state, "principal", None)
        try:
            path, name = await run_in_threadpool(exports.open_download, principal, request_id, token)
        except tokens.TokenError as problem:
            return HTMLResponse(error_page("Download link not valid", str(problem)), status_code=403)
        except PortalError as problem:
            return HTMLResponse(error_page("Download not possible", str(problem)), status_code=403)
        return FileResponse(path, media_type="application/zip", filename=name, headers={"Cache-Control": "no-store"})
