"""The form on /support-access where the customer gives the support team time-boxed access. Giving access opens the
account to staff, so it needs a fresh check (the step-up dialog asks for one when the last is too old)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ...services import access
from ...services.identity.principal import Principal
from ...services.support_access import support
from .. import theme
from ..background import io_bound
from .step_up_dialog import with_step_up
from .testid import tid


def grant_form(principal: Principal, client: str, on_granted: Callable[[], Awaitable[None]]) -> None:
    with tid(ui.card(), "support-grant-form").classes(theme.CARD):
        ui.label("Give the support team access").classes(theme.SUBHEADING)
        with ui.row().classes("w-full gap-6 items-start flex-wrap"):
            with ui.column().classes("gap-1"):
                duration = (
                    tid(
                        ui.select(support.DURATION_LABELS, value="1h", label="For how long"),
                        "support-grant-duration",
                    )
                    .props("outlined dense options-dense")
                    .classes("w-44")
                )
                ticket = (
                    tid(ui.input("Ticket reference (optional)"), "support-grant-ticket")
                    .props("outlined dense maxlength=64")
                    .classes("w-64")
                )
            with ui.column().classes("gap-0"):
                ui.label("What they may do").classes(theme.LABEL)
                scope = tid(ui.radio(support.SCOPES, value="view"), "support-grant-scope").props(
                    'aria-label="What support may do"'
                )
        ui.label(
            "Whatever you choose, support can never withdraw your account or delete your data, change "
            "your password or email address, download your exports, or give themselves more access. "
            "Access ends on its own when the time is up."
        ).classes(theme.MUTED)

        async def _grant() -> None:
            try:
                granted = await with_step_up(
                    principal,
                    client,
                    lambda: io_bound(
                        support.grant_access,
                        principal,
                        duration=str(duration.value),
                        scope=str(scope.value),
                        ticket_ref=ticket.value or "",
                    ),
                )
            except access.SupportError as problem:
                ui.notify(str(problem), type="negative")
                return
            if granted is None:  # the check was cancelled: nothing given, the form stays as chosen
                return
            ticket.value = ""
            ui.notify(f"Support access given for {support.DURATION_LABELS.get(str(duration.value))}.", type="positive")
            await on_granted()

        tid(ui.button("Give access", icon="support_agent", on_click=_grant), "support-grant-submit").props(
            "unelevated no-caps"
        )
