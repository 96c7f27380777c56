"""The "sign out everywhere" card of `/support-access`: ends every session of the account and any support session."""

from __future__ import annotations

from nicegui import ui

from ...i18n import _
from ...services import access
from ...services.identity.principal import Principal
from ...services.support_access import support
from .. import theme
from ..background import io_bound
from . import tones
from .testid import tid


def sign_out_everywhere_card(principal: Principal) -> None:
    with tid(ui.card(), "support-sign-out-card").classes(theme.CARD):
        ui.label(_("Sign out everywhere")).classes(theme.SUBHEADING)
        ui.label(
            _(
                "Ends every session of your account on every device, including this one, and stops any "
                "support session acting for you. Your grants stay as they are: revoke them above."
            )
        ).classes(theme.MUTED)

        async def _sign_out() -> None:
            try:
                await io_bound(support.sign_out_everywhere, principal)
            except access.SupportError as problem:
                ui.notify(str(problem), type="negative")
                return
            ui.navigate.to("/login?signed_out=1")

        tid(
            ui.button(_("Sign out everywhere"), icon="logout", on_click=_sign_out, color=None),
            "support-sign-out-everywhere",
        ).props("outline no-caps").classes(tones.DANGER)
