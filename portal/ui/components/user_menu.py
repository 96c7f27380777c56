"""The header's user menu: who is signed in, their account page, and signing out."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ...i18n import _
from ...services.identity.principal import Principal
from ...web import csrf
from ..context import csrf_token_of


class UserMenu(ui.element, component="user_menu.js"):
    """Rendered by user_menu.js from data: one element where the button, its menu and the sign-out form were ten,
    built and kept on every page view. Carries the markers `header-user-menu`, `header-account` (unless acting) and
    `logout`, and the same test ids in the browser."""

    def __init__(self, request: Request, principal: Principal) -> None:
        super().__init__()
        self._props["label"] = principal.display_name
        self._props["email"] = principal.email
        # An agent acting for a customer has no business with the customer's account.
        self._props["account-label"] = _("Your account and password") if principal.acting is None else ""
        self._props["sign-out-label"] = _("Sign out")
        # The sign-out form's hidden field, as post_form writes it: {"name": ..., "value": ...}.
        self._props["csrf"] = {"name": csrf.FIELD, "value": csrf_token_of(request)}
        self.mark("header-user-menu", "logout", *(("header-account",) if principal.acting is None else ()))
