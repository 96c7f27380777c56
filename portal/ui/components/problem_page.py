"""A refusal or a "not found" inside the portal's own shell: the right status code, what happened in plain
words, and a way on, instead of a bare error body."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ...i18n import _
from .. import theme
from ..context import principal_of
from ..frame import frame
from .testid import tid


def problem_page(
    request: Request, *, status: int, title: str, message: str, way_on: tuple[str, str], active: str = ""
) -> None:
    """Call it in place of building the page; `way_on` is (link text, target)."""
    ui.status_code(status)
    with frame(request, title, active=active), tid(ui.card(), "problem").classes(theme.CARD):  # frame: the heading
        tid(ui.label(message), "problem-message")
        text, target = way_on
        tid(ui.link(text, target), "problem-way-on")


def refused_to_staff(request: Request, *, title: str, message: str) -> bool:
    """On a customer's page: when the signed-in person is staff, render the 403 page (with a way back to the
    queue) and return True, so the page stops there."""
    if principal_of(request).is_customer:
        return False
    problem_page(request, status=403, title=title, message=message, way_on=(_("Back to the request queue"), "/staff"))
    return True
