"""The banner on every page while an agent acts as a customer. Rendered by the server from the session,
with no close button: it goes away only when the acting session ends."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ...i18n import N_, _
from ...i18n.formats import local, zone_label
from ...models.types import utcnow
from ...services.identity.principal import Principal
from ..socket_guard import live_timer
from .post_form import post_form
from .testid import tid

_SCOPES = {"view": N_("view only"), "help": N_("view and help")}


def impersonation_banner(request: Request, principal: Principal) -> None:
    acting = principal.acting
    assert acting is not None
    with (
        tid(ui.element("div"), "impersonation-banner")
        .classes(
            # In the (fixed) header, full width on its own line: visible however far the page is scrolled.
            "flex items-center gap-3 px-4 py-2 bg-amber-300 text-black font-medium"
        )
        .style("flex: 0 0 calc(100% + 2rem); margin: 0 -1rem -0.5rem")
        .props('role="alert"')
    ):
        ui.icon("support_agent", size="sm").props('aria-hidden="true"')
        text = ui.label().classes("grow")

        def _update() -> None:
            minutes = max(0, int((principal.session_expires_at - utcnow()).total_seconds() // 60))
            ends = principal.session_expires_at
            text.text = _(
                "You are acting as {customer} ({scope}), signed in as {agent} · ends {time}, {minutes} min left · "
                "reason: {reason}"
            ).format(
                customer=principal.display_name,
                scope=_(_SCOPES[acting.scope]) if acting.scope in _SCOPES else acting.scope,
                agent=acting.agent_name,
                time=f"{local(ends):%H:%M} {zone_label(ends)}",  # the reader's zone: "14:01 UTC", "16:01 CEST"
                minutes=minutes,
                reason=acting.reason,
            )

        _update()
        live_timer(30, _update)
        with post_form("/auth/impersonate/stop", request):
            tid(ui.button(_("Stop acting"), icon="logout"), "impersonation-stop").props(
                "type=submit unelevated no-caps color=black"
            )
