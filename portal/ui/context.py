"""What a page needs to know about the request it is rendering."""

from __future__ import annotations

from starlette.requests import Request

from ..config import get_settings
from ..services.identity.principal import Principal
from ..web import csrf


def principal_of(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:  # the middleware redirects first; reaching this is a wiring bug, so fail closed
        raise PermissionError("no signed-in principal")
    return principal


def csrf_token_of(request: Request) -> str:
    return csrf.form_token(get_settings().secret_key, request.state.csrf_seed)
