"""`POST /recipients/notices/<id>/ack`: where a recipient answers an Art. 19 notice.

A machine's route, not a browser's: no session, no CSRF cookie; the caller proves who it is with the bearer token
its operator was given (`python main.py recipients set-endpoint`). Cookies are ignored, so a browser that happens to
be signed in to the portal cannot be made to answer for anyone. The route only reads and hands over; the rules are
in `services/recipients/acknowledgements.py`.
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..db import session_scope
from ..errors import Conflict, Invalid, NotFound
from ..services.recipients import acknowledgements

log = logging.getLogger("portal.web")
PATH = "/recipients/notices/{notice_id}/ack"
MAX_BODY = 8 * 1024
_BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-.~+/]{16,200}=*)$")


class _TooLarge(Exception):
    pass


def register(app: FastAPI) -> None:
    @app.post(PATH, include_in_schema=False)
    async def acknowledge(request: Request, notice_id: str) -> Response:
        match = _BEARER.match(request.headers.get("authorization", ""))
        if match is None:
            return _answer(401, "send Authorization: Bearer <your acknowledgement token>", bearer=True)
        try:
            payload = json.loads(await _read_limited(request))
        except _TooLarge:
            return _answer(413, f"the body is larger than {MAX_BODY} bytes")
        except ValueError:
            return _answer(400, 'send JSON: {"answer": "done" | "not_held" | "refused", "reason": "..."}')
        if not isinstance(payload, dict) or not isinstance(payload.get("answer"), str):
            return _answer(400, 'send JSON: {"answer": "done" | "not_held" | "refused", "reason": "..."}')
        reason = payload.get("reason")
        if reason is not None and not isinstance(reason, str):
            return _answer(400, "reason must be a string")

        def _record() -> acknowledgements.Acknowledged:
            with session_scope() as session:
                return acknowledgements.acknowledge(
                    session=session, notice_id=notice_id, token=match.group(1), answer=payload["answer"], reason=reason
                )

        try:
            result = await run_in_threadpool(_record)
        except NotFound as refusal:
            log.info("notice acknowledgement refused: unknown notice or wrong token")
            return _answer(404, str(refusal))
        except Conflict as refusal:
            return _answer(409, str(refusal))
        except Invalid as refusal:
            return _answer(422, str(refusal))
        log.info("notice %s acknowledged: %s%s", result.notice_id, result.answer, " (again)" if result.repeated else "")
        return JSONResponse(
            {
                "id": result.notice_id,
                "answer": result.answer,
                "answered_at": result.answered_at.isoformat(),
                "repeated": result.repeated,
            }
        )


async def _read_limited(request: Request) -> bytes:
    """The body, refused as soon as it passes MAX_BODY (a Content-Length can lie or be missing)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _TooLarge
    return bytes(body)


def _answer(status: int, error: str, *, bearer: bool = False) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="recipient notices"'} if bearer else None
    return JSONResponse({"error": error}, status_code=status, headers=headers)
