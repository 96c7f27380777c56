"""/support-access: the customer grants the support team time-boxed access, revokes it, answers agents' asks,
sees every support session with what was viewed and done, and can sign out everywhere."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..i18n import N_, _
from ..models.types import utcnow
from ..services import access
from ..services.identity.principal import Principal
from ..services.support_access import support
from . import theme
from .background import io_bound
from .components import tones
from .components.dense_table import DenseTable
from .components.dialog_focus import return_focus
from .components.sign_out_everywhere import sign_out_everywhere_card
from .components.step_up_dialog import with_step_up
from .components.support_grant_form import duration_options, grant_form
from .components.support_session_log import support_session_log
from .components.testid import tid
from .formatting import format_datetime, time_left
from .frame import frame
from .page_changes import on_change

_SCOPE_SHORT = {"view": N_("View only"), "help": N_("View and help")}


def _scope_options() -> dict[str, str]:
    return {key: _(label) for key, label in _SCOPE_SHORT.items()}


def create() -> None:
    @ui.page("/support-access")
    async def support_access_page(request: Request) -> None:
        with frame(request, _("Support access"), active="nav-support-access") as principal:
            if principal.acting is not None or not principal.is_customer:
                # The middleware already refuses acting agents; staff have no grants of their own.
                ui.label(
                    _("Support access is given by customers themselves. Staff find customers on the Customers page.")
                ).classes(theme.MUTED)
                return
            ui.label(
                _(
                    "Let our support team look at your account while they help you. You choose for how long and "
                    "what they may do, you can revoke access at any moment, and below you see every session "
                    "they had and everything they looked at or did."
                )
            ).classes(theme.MUTED)
            view = _SupportAccessView(principal, request.client.host if request.client else "unknown")
            await view.load()
            view.render()


class _SupportAccessView:
    def __init__(self, principal: Principal, client: str) -> None:
        self.principal, self.client = principal, client  # the client: wrong passwords in a step-up count per address
        self.grants: list[support.GrantView] = []
        self.asks: list = []
        self.logs: list[support.SessionLog] = []
        self.shown_asks: list[int | None] = []
        self.dialogs: ui.element | None = None

    async def load(self) -> None:
        result = await io_bound(support.overview, self.principal)
        if result is None:  # None: the app is shutting down
            return
        self.grants, self.asks, self.logs = result

    def render(self) -> None:
        grant_form(self.principal, self.client, self._reload)
        self.ask_list()
        self.grant_list()
        self.session_log()
        sign_out_everywhere_card(self.principal)
        self.dialogs = ui.element("div")  # outside every refreshable part: a redraw must not remove an open dialog
        # An agent starts or ends a session, views a page, asks: refreshed on that write, not on a timer.
        on_change(support.ACCESS_TABLES, self._poll)

    async def _poll(self) -> None:
        """Redraw only what changed, so an expanded list of pages or a half-answered ask is left alone."""
        before = self._signature()
        await self.load()
        after = self._signature()
        if after[0] != before[0]:
            self.grant_list.refresh()
        if after[1] != before[1]:
            self.session_log.refresh()
        if [a.id for a in self.asks] != self.shown_asks:
            self.ask_list.refresh()

    def _signature(self) -> tuple[object, object]:
        now = utcnow()
        grants = [(g.grant.id, g.grant.revoked_at, g.active, time_left(g.grant.expires_at, now)) for g in self.grants]
        logs = [(x.session.id, x.session.ended_at, len(x.pages), len(x.described)) for x in self.logs]
        return grants, logs

    async def _reload(self) -> None:
        await self.load()
        self.ask_list.refresh()
        self.grant_list.refresh()
        self.session_log.refresh()

    # --- asks from agents ----------------------------------------------------------------------------------

    @ui.refreshable_method
    def ask_list(self) -> None:
        self.shown_asks = [a.id for a in self.asks]
        if not self.asks:
            return
        with tid(ui.card(), "support-asks").classes(theme.CARD + " border-l-4 border-amber-600"):
            ui.label(_("Our support team asks for access")).classes(theme.SUBHEADING)
            for ask in self.asks:
                with tid(ui.column(), f"support-ask-{ask.id}").classes("w-full gap-2 py-2"):
                    ui.label(_("Reason: {reason}").format(reason=ask.reason)).classes("font-medium")
                    ui.label(
                        _("Asked {asked} · unanswered asks lapse {lapses}").format(
                            asked=format_datetime(ask.created_at), lapses=format_datetime(ask.expires_at)
                        )
                    ).classes(theme.MUTED)
                    with ui.row().classes("gap-3 items-center flex-wrap"):
                        duration = (
                            tid(
                                ui.select(duration_options(), value="1h", label=_("For how long")),
                                f"support-ask-duration-{ask.id}",
                            )
                            .props("outlined dense options-dense")
                            .classes("w-40")
                        )
                        scope = (
                            tid(
                                ui.select(_scope_options(), value="view", label=_("What they may do")),
                                f"support-ask-scope-{ask.id}",
                            )
                            .props("outlined dense options-dense")
                            .classes("w-44")
                        )
                        tid(
                            ui.button(
                                _("Accept"),
                                icon="check",
                                on_click=lambda a=ask.id, d=duration, s=scope: self._answer(
                                    a, True, str(d.value), str(s.value)
                                ),
                            ),
                            f"support-ask-accept-{ask.id}",
                        ).props("unelevated no-caps")
                        tid(
                            ui.button(
                                _("Decline"), icon="close", color=None, on_click=lambda a=ask.id: self._answer(a, False)
                            ),
                            f"support-ask-decline-{ask.id}",
                        ).props("outline no-caps").classes(tones.QUIET)

    async def _answer(self, ask_id: int, accept: bool, duration: str = "1h", scope: str = "view") -> None:
        async def _answer() -> bool:
            await io_bound(support.answer_ask, self.principal, ask_id, accept=accept, duration=duration, scope=scope)
            return True

        try:  # accepting gives access: a fresh check first (declining needs none)
            answered = await with_step_up(self.principal, self.client, _answer)
        except access.SupportError as problem:
            ui.notify(str(problem), type="negative")
            await self._reload()
            return
        if not answered:
            return
        ui.notify(_("Access given.") if accept else _("Declined: support has no access."), type="positive")
        await self._reload()

    # --- grants ---------------------------------------------------------------------------------------------

    @ui.refreshable_method
    def grant_list(self) -> None:
        now = utcnow()
        with tid(ui.card(), "support-grants").classes(theme.CARD):
            ui.label(_("Your grants")).classes(theme.SUBHEADING)
            if not self.grants:
                tid(ui.label(_("You have not given the support team access.")), "support-grants-empty").classes(
                    theme.MUTED
                )
                return
            table = DenseTable(
                [_("Given"), _("What they may do"), _("Ticket"), _("Status"), ""],
                testid="support-grants-table",
                caption=_("Support access you have given, newest first"),
            )
            for view in self.grants:
                grant = view.grant
                with table.row(f"support-grant-{grant.id}"):
                    with table.cell(classes="whitespace-nowrap"):
                        ui.label(format_datetime(grant.created_at))
                    with table.cell():
                        ui.label(_(_SCOPE_SHORT[grant.scope]) if grant.scope in _SCOPE_SHORT else grant.scope)
                    with table.cell():
                        ui.label(grant.ticket_ref or "—")
                    with table.cell(f"support-grant-status-{grant.id}"):
                        if grant.revoked_at is not None:
                            ui.label(_("revoked {date}").format(date=format_datetime(grant.revoked_at)))
                        elif not view.active:
                            ui.label(_("expired {date}").format(date=format_datetime(grant.expires_at)))
                        else:
                            ui.label(_("active · {left}").format(left=time_left(grant.expires_at, now))).classes(
                                "font-medium"
                            )
                            ui.label(_("until {date}").format(date=format_datetime(grant.expires_at))).classes(
                                "text-xs"
                            )
                    with table.cell(classes="text-right"):
                        if view.active:
                            tid(
                                ui.button(
                                    _("Revoke"), icon="block", color=None, on_click=lambda g=grant.id: self._revoke(g)
                                ),
                                f"support-grant-revoke-{grant.id}",
                            ).props("outline dense no-caps").classes(tones.DANGER)

    async def _revoke(self, grant_id: int) -> None:
        assert self.dialogs is not None
        with (
            self.dialogs,
            ui.dialog() as dialog,
            tid(ui.card(), "support-revoke-dialog").classes("p-4 gap-3 w-[28rem] max-w-full"),
        ):
            ui.label(_("Revoke this grant?")).classes(theme.SUBHEADING)
            ui.label(_("Support loses access at once; an agent acting for you right now is stopped.")).classes(
                "text-sm"
            )
            with ui.row().classes("w-full justify-end gap-2"):
                tid(
                    ui.button(_("Keep it"), on_click=lambda: dialog.submit(False), color=None), "support-revoke-back"
                ).props("flat no-caps autofocus").classes(tones.QUIET)
                tid(ui.button(_("Revoke now"), on_click=lambda: dialog.submit(True)), "support-revoke-confirm").props(
                    "unelevated no-caps color=negative"
                )
        confirmed = await dialog
        dialog.delete()
        return_focus(f"support-grant-revoke-{grant_id}")  # gone once revoked: then the page's content
        if not confirmed:
            return

        async def _revoke() -> bool:
            await io_bound(support.revoke_grant, self.principal, grant_id)
            return True

        try:
            revoked = await with_step_up(self.principal, self.client, _revoke)
        except access.SupportError as problem:
            ui.notify(str(problem), type="negative")
            return
        if not revoked:
            return
        ui.notify(_("Access revoked. Any support session under it has ended."), type="positive")
        await self._reload()

    # --- the log --------------------------------------------------------------------------------------------

    @ui.refreshable_method
    def session_log(self) -> None:
        with tid(ui.card(), "support-log").classes(theme.CARD):
            ui.label(_("Support sessions on your account")).classes(theme.SUBHEADING)
            if not self.logs:
                tid(ui.label(_("No one from support has acted on your account.")), "support-log-empty").classes(
                    theme.MUTED
                )
                return
            support_session_log(self.logs)
