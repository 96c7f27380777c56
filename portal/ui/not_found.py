"""Addresses that lead nowhere: a signed-in person gets the portal's own "not found" page inside the shell,
with a way on, instead of the framework's bare error page. Everything else (requests that are not pages,
such as a download link that does not exist, and anyone not signed in) keeps NiceGUI's own handling."""

from __future__ import annotations

from fastapi import FastAPI
from nicegui import Client
from nicegui import nicegui as framework
from nicegui.page import page
from starlette.requests import Request
from starlette.responses import Response

from ..i18n import N_, _
from .components.problem_page import problem_page

MESSAGE = N_("There is no page at this address. It may have been mistyped, or the link may be out of date.")


def register(app: FastAPI) -> None:
    """Replace NiceGUI's 404 handler with one that renders the portal's page for signed-in people."""

    async def not_found(request: Request, exception: Exception) -> Response:
        endpoint = request.scope.get("endpoint")
        not_a_page = endpoint is not None and endpoint is not app and not request.scope.get("nicegui_page_path")
        principal = getattr(request.state, "principal", None)
        if not_a_page or principal is None:
            return await framework._exception_handler_404(request, exception)  # the framework decides as before
        way_on = (_("Back to the request queue"), "/staff") if principal.is_staff else (_("Back to your overview"), "/")
        with Client(page(""), request=request) as client:
            problem_page(request, status=404, title=_("Page not found"), message=_(MESSAGE), way_on=way_on)
        return client.build_response(request, 404)

    app.add_exception_handler(404, not_found)
