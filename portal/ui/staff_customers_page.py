"""/staff/customers: find a customer, see whether they granted support access, and act as them under that grant
(a real POST that rotates the session) or ask them for access."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui
from starlette.requests import Request

from ..config import get_settings
from ..i18n import N_, _
from ..models import Role
from ..models.types import utcnow
from ..services import access
from ..services.identity.principal import Principal
from ..services.plain import GrantInfo
from ..services.support_access import support, support_acting
from ..web.routes import read_support_error
from . import theme
from .background import io_bound
from .components import tones
from .components.dense_table import DenseTable
from .components.dialog_focus import SEND_HINT, on_send, return_focus
from .components.post_form import hidden, post_form
from .components.step_up_dialog import ensure_recent
from .components.testid import data, tid
from .frame import frame

# Marked here, translated where shown.
_SCOPE_SHORT = {"view": N_("view only"), "help": N_("view and help")}
ENDED_MESSAGES = {
    "stopped": N_("You stopped acting as the customer. You are back in your own session."),
    "grant_revoked": N_("Your session as the customer ended: the customer revoked the grant."),
    "grant_expired": N_("Your session as the customer ended: the grant expired."),
    "grant_ended": N_("Your session as the customer ended: the grant is no longer active."),
    "customer_signed_out": N_("Your session as the customer ended: the customer signed out everywhere."),
    "customer_closed": N_("Your session as the customer ended: the customer's account was closed."),
    "agent_deactivated": N_("Your session as the customer ended: your staff account was deactivated."),
    "session_expired": N_("Your session as the customer ended: it timed out."),
    "ended": N_("Your session as the customer ended."),
}
ERROR_MESSAGES = {
    "expired": N_("The form had expired or did not come from this page. Please try again."),
    "customer": N_("Choose a customer from the list."),
    "refused": N_("Acting as the customer was refused."),
    "step_up": N_("Acting as a customer needs a fresh check: confirm it is you, then press Act again."),
}


def create() -> None:
    @ui.page("/staff/customers")
    async def staff_customers_page(request: Request, ended: str | None = None, error: str | None = None) -> None:
        with frame(request, _("Customers"), active="nav-staff-customers") as principal:
            _message(request, ended, error)
            if principal.role == Role.DPO.value:
                tid(
                    ui.label(
                        _(
                            "As privacy officer you can see which customers granted support access. Only support "
                            "agents can ask a customer for access or act as a customer."
                        )
                    ),
                    "staff-customers-note",
                ).classes(theme.MUTED)
            else:
                ui.label(
                    _(
                        "You can act as a customer only while they have granted access, and only with a reason. "
                        "One session lasts at most an hour and ends the moment the grant expires or is revoked. "
                        "The customer sees every page you open and everything you do."
                    )
                ).classes(theme.MUTED)
            view = _CustomersView(request, principal)
            await view.load()


def _message(request: Request, ended: str | None, error: str | None) -> None:
    text: str | None = None
    if ended:
        text = _(ENDED_MESSAGES.get(ended, ENDED_MESSAGES["ended"]))
    elif error:
        # The flash: the refusal's own sentence, worded (and translated) where the route refused.
        flash = read_support_error(get_settings(), request) if error == "refused" else None
        refused = _(ERROR_MESSAGES["refused"])
        text = f"{refused} {flash}" if flash else _(ERROR_MESSAGES.get(error, ERROR_MESSAGES["refused"]))
    if text is None:
        return
    negative = bool(error) or (ended not in (None, "stopped"))
    with (
        tid(ui.card(), "staff-customers-message")
        .classes(
            "w-full p-3 border-l-4 "
            + ("border-red-700" if error else "border-amber-600" if negative else "border-green-700")
        )
        .props('role="alert"')
    ):
        ui.label(text).classes("font-medium")


def grant_status(grant: GrantInfo | None, now: datetime) -> str:
    if grant is None:
        return _("no grant")
    expires_at = grant.expires_at
    scope = _(_SCOPE_SHORT[grant.scope]) if grant.scope in _SCOPE_SHORT else grant.scope
    when = f"{expires_at:%H:%M}" if expires_at.date() == now.date() else f"{expires_at:%Y-%m-%d %H:%M}"
    return _("active until {when} UTC ({scope})").format(when=when, scope=scope)


class _CustomersView:
    def __init__(self, request: Request, principal: Principal) -> None:
        self.principal = principal
        self.request = request
        self.client = request.client.host if request.client else "unknown"
        self.can_act = principal.role == Role.AGENT.value
        self.rows: list[support_acting.CustomerRow] | None = None
        self.query = ""
        with ui.row().classes("w-full items-center gap-3"):
            tid(
                ui.input(_("Find a customer"), placeholder=_("Name or email"), on_change=self._search),
                "staff-customers-search",
            ).props("outlined dense clearable debounce=300 type=search").classes("w-96 max-w-full")
        with tid(ui.card(), "staff-customers").classes(theme.CARD):
            self.table()

    async def _search(self, event: object) -> None:
        value = getattr(event, "value", "") or ""
        await self.load(str(value))

    async def load(self, query: str | None = None) -> None:
        if query is not None:
            self.query = query
        try:
            self.rows = await io_bound(support_acting.find_customers, self.principal, self.query) or []
        except access.SupportError as problem:
            ui.notify(str(problem), type="negative")
            self.rows = []
        self.table.refresh()

    @ui.refreshable_method
    def table(self) -> None:
        if self.rows is None:
            ui.skeleton().classes("w-full h-32")
            return
        if not self.rows:
            tid(ui.label(_("No customer matches.")), "staff-customers-empty").classes(theme.MUTED)
            return
        now = utcnow()
        headers = ["#", _("Name"), _("Email"), _("Support access")] + ([_("Act or ask")] if self.can_act else [])
        table = DenseTable(headers, testid="staff-customers-table", caption=_("Customers (at most 50 shown)"))
        for row in self.rows:
            account, grant = row.account, row.grant
            with table.row(f"staff-customer-{account.id}"):
                with table.cell():
                    ui.label(f"#{account.id}")
                with data(table.cell()):
                    ui.label(account.display_name).classes("font-medium")
                with data(table.cell()):
                    ui.label(account.email)
                with table.cell(f"staff-customer-grant-{account.id}", "whitespace-nowrap"):
                    label = ui.label(grant_status(grant, now))
                    if grant is not None:
                        label.classes("font-medium text-green-800 dark:text-green-300")
                        if grant.ticket_ref:
                            ui.label(_("ticket {reference}").format(reference=grant.ticket_ref)).classes("text-xs")
                if self.can_act:
                    with table.cell():
                        if grant is not None:
                            self._act_form(account.id or 0, account.display_name)
                        else:
                            tid(
                                ui.button(
                                    _("Ask for access"),
                                    icon="mail",
                                    color=None,
                                    on_click=lambda a=account.id, n=account.display_name: self._ask(a, n),
                                ),
                                f"staff-ask-{account.id}",
                            ).props("outline dense no-caps").classes(tones.ACTION)

    def _act_form(self, customer_id: int, name: str) -> None:
        """A native POST form: the route checks the CSRF token and origin, and rotates the session cookie. Acting
        needs a fresh check, which a form post cannot ask for: the button asks first (the step-up dialog, over the
        page, the typed reason kept), then posts the form; the route refuses a stale one all the same."""
        with post_form("/auth/impersonate/start", self.request).classes("flex flex-wrap items-center gap-2") as form:
            hidden("customer_id", customer_id)
            why = _("Reason for acting as {name}").format(name=name)
            tid(ui.input(_("Reason (ticket or why)")), f"staff-act-reason-{customer_id}").props(
                f'name=reason outlined dense required minlength={support.MIN_REASON} maxlength=500 aria-label="{why}"'
            ).classes("w-56")

            async def _act() -> None:
                if await ensure_recent(self.principal, self.client):
                    ui.run_javascript(f"document.getElementById('{form.html_id}').requestSubmit()")

            tid(
                ui.button(_("Act as {name}").format(name=name.split()[0]), icon="support_agent", on_click=_act),
                f"staff-act-{customer_id}",
            ).props("type=button unelevated no-caps")

    async def _ask(self, customer_id: int, name: str) -> None:
        with ui.dialog() as dialog, tid(ui.card(), "staff-ask-dialog").classes("w-[32rem] max-w-full p-4 gap-3"):
            ui.label(_("Ask {name} for access").format(name=name)).classes(theme.SUBHEADING)
            ui.label(
                _(
                    "The customer sees your reason and can accept (choosing how long and what you may do) or "
                    "decline. An unanswered request lapses after three days."
                )
            ).classes("text-sm")
            hint = _(SEND_HINT)  # marked where it is defined (components/dialog_focus.py)
            reason = (
                tid(ui.textarea(_("Reason (ticket or why)")), "staff-ask-reason")
                .props(f'outlined dense autogrow maxlength=500 autofocus hint="{hint}"')
                .classes("w-full")
            )

            def _send() -> None:
                if len(" ".join((reason.value or "").split())) < support.MIN_REASON:
                    missing = _("Say why you need access.")
                    reason.props(f'error error-message="{missing}"')
                    return
                dialog.submit(reason.value)

            on_send(reason, _send)
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button(_("Back"), on_click=lambda: dialog.submit(None), color=None), "staff-ask-back").props(
                    "flat no-caps"
                ).classes(tones.QUIET)
                tid(ui.button(_("Send"), icon="send", on_click=_send), "staff-ask-send").props("unelevated no-caps")
        text = await dialog
        dialog.delete()
        return_focus(f"staff-ask-{customer_id}")
        if not text:
            return
        try:
            await io_bound(support_acting.ask_for_access, self.principal, customer_id, str(text))
        except access.SupportError as problem:
            ui.notify(str(problem), type="negative")
            return
        ui.notify(_("Asked {name} for access. You can act once they accept.").format(name=name), type="positive")
