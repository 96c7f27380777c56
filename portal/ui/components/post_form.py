"""A native HTML form that POSTs to one of the plain routes (sign-in, sign-out, acting as a customer), so the
route can rotate the session cookie in a real request. It carries the CSRF token the route checks (with the
origin); `hidden` adds the other fields the route reads."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ...web import csrf
from ..context import csrf_token_of


class post_form(ui.element):
    def __init__(self, action: str, request: Request) -> None:
        super().__init__("form")
        self.props(f"method=post action={action}")
        with self:
            hidden(csrf.FIELD, csrf_token_of(request))


def hidden(name: str, value: object) -> ui.element:
    return ui.element("input").props(f'type=hidden name={name} value="{value}"')
