"""The form on /support-access where the customer gives the support team time-boxed access. Giving access opens the
account to staff, so it needs a fresh check (the step-up dialog asks for one when the last is too old)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from ...i18n import _
from ...services import access
from ...services.identity.principal import Principal
from ...services.support_access import support
from .. import theme
from ..background import io_bound
from .step_up_dialog import with_step_up
from .testid import tid


def duration_options() -> dict[str, str]:
    """The grant lengths the service offers ("1 hour", …), in the reader's language: the service marks them with
    N_, and they are translated here, where they are shown."""
    return {key: _(label) for key, label in support.DURATION_LABELS.items()}


def scope_options() -> dict[str, str]:
    return {key: _(label) for key, label in support.SCOPES.items()}


def grant_form(principal: Principal, client: str, on_granted: Callable[[], Awaitable[None]]) -> None:
    with tid(ui.card(), "support-grant-form").classes(theme.CARD):
        ui.label(_("Give the support team access")).classes(theme.SUBHEADING)
        with ui.row().classes("w-full gap-6 items-start flex-wrap"):
            with ui.column().classes("gap-1"):
                duration = (
                    tid(
                        ui.select(duration_options(), value="1h", label=_("For how long")),
                        "support-grant-duration",
                    )
                    .props("outlined dense options-dense")
                    .classes("w-44")
                )
                ticket = (
                    tid(ui.input(_("Ticket reference (optional)")), "support-grant-ticket")
                    .props("outlined dense maxlength=64")
                    .classes("w-64")
                )
            with ui.column().classes("gap-0"):
                ui.label(_("What they may do")).classes(theme.LABEL)
                scope_label = _("What support may do")
                scope = tid(ui.radio(scope_options(), value="view"), "support-grant-scope").props(
                    f'aria-label="{scope_label}"'
                )
        ui.label(
            _(
                "Whatever you choose, support can never withdraw your account or delete your data, change "
                "your password or email address, download your exports, or give themselves more access. "
                "Access ends on its own when the time is up."
            )
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
            ui.notify(
                _("Support access given for {duration}.").format(duration=duration_options().get(str(duration.value))),
                type="positive",
            )
            await on_granted()

        tid(ui.button(_("Give access"), icon="support_agent", on_click=_grant), "support-grant-submit").props(
            "unelevated no-caps"
        )
