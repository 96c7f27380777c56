"""/account: the signed-in person's own account: who they are signed in as, their passkeys and one-time codes,
where they are signed in (ending any other session, each named by its browser), and changing their password."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..errors import PortalError
from ..i18n import _, ngettext
from ..services.identity import account_security, signed_in
from ..services.identity.account_security import MIN_LENGTH, PasswordChangeError
from ..services.identity.principal import Principal
from . import theme
from .background import io_bound
from .components.dense_table import DenseTable
from .components.one_time_codes_card import OneTimeCodesCard
from .components.passkeys_card import PasskeysCard
from .components.preferences_card import PreferencesCard
from .components.problem_page import problem_page
from .components.step_up_dialog import with_step_up
from .components.testid import data, tid
from .context import principal_of
from .formatting import format_datetime, format_number
from .frame import frame


def create() -> None:
    @ui.page("/account")
    async def account_page(request: Request, second_factor: str | None = None) -> None:
        if principal_of(request).acting is not None:
            problem_page(
                request,
                status=403,
                title=_("Not while acting for a customer"),
                message=_("An agent acting for a customer cannot see or change the customer's account settings."),
                way_on=(_("Back to the customer's overview"), "/"),
            )
            return
        client = request.client.host if request.client else "unknown"
        with frame(request, _("Your account"), active="") as principal:
            with tid(ui.card(), "account-summary").classes(theme.CARD):
                ui.label(_("Signed in as")).classes(theme.LABEL)
                data(tid(ui.label(f"{principal.display_name} <{principal.email}>"), "account-email"))
            if principal.needs_second_factor or second_factor == "required":
                tid(
                    ui.label(
                        _(
                            "Staff accounts need a second factor: add a passkey or set up one-time codes below. The "
                            "staff console opens as soon as you have one."
                        )
                    ),
                    "security-setup-required",
                ).classes("text-sm font-medium text-negative").props('role="alert"')
            sessions = SignedInList(principal)
            with ui.row().classes("w-full gap-4 items-stretch flex-wrap lg:flex-nowrap"):
                passkey_list = PasskeysCard(principal, client, request.headers.get("user-agent", ""))
                passkey_list.render()
                codes = OneTimeCodesCard(principal, client, on_change=passkey_list.load)
                passkey_list.on_change = codes.load  # the pending reset and the last-factor state show in both
                codes.render()
            sessions.render()  # laid out at once, filled in below: the password form need not wait for the list
            with ui.row().classes("w-full gap-4 items-stretch flex-wrap lg:flex-nowrap"):
                PasswordForm(principal, client).render()
                await PreferencesCard(principal).render()
            await passkey_list.load()
            await codes.load()
            await sessions.load()
            sessions.render.refresh()


class SignedInList:
    """Every live session of the account; any but this one can be signed out from here."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.items: list[signed_in.SignedInSession] = []

    async def load(self) -> None:
        self.items = await io_bound(signed_in.list_signed_in, self.principal) or []

    @ui.refreshable_method
    def render(self) -> None:
        with tid(ui.card(), "account-sessions").classes(theme.CARD):
            ui.label(_("Where you are signed in")).classes(theme.SUBHEADING)
            ui.label(
                _(
                    "Each browser you signed in with, until it signs out or times out. Sign out one you do not "
                    "recognise or no longer use, then change your password."
                )
            ).classes(theme.MUTED)
            table = DenseTable(
                [_("Browser"), _("Place"), _("Signed in"), _("Last active"), _("Ends at the latest"), ""],
                testid="account-sessions-table",
                caption=_("Your sessions"),
            )
            for item in self.items:
                self._row(table, item)
            if sum(not item.current for item in self.items) > 1:
                tid(
                    ui.button(_("Sign out all other sessions"), icon="logout", on_click=self.end_all),
                    "account-sessions-end-others",
                ).props("outline no-caps")

    def _row(self, table: DenseTable, item: signed_in.SignedInSession) -> None:
        with table.row(f"account-session-{item.ref}"):
            with table.cell(f"account-session-browser-{item.ref}"):
                ui.label(item.browser or _("Unknown browser"))
            with table.cell():  # the portal looks no address up: saying "unknown" is honest, a guessed city is not
                ui.label(_("unknown"))
            for value in (item.started_at, item.last_seen_at, item.expires_at):
                with ui.element("td"):
                    ui.label(format_datetime(value))
            with ui.element("td"):
                if item.current:
                    tid(ui.badge(_("This browser")), "account-session-current").props("outline")
                else:
                    label = _("Sign out the session started {started}").format(started=format_datetime(item.started_at))
                    tid(
                        ui.button(_("Sign out"), icon="logout", on_click=lambda ref=item.ref: self.end(ref)),
                        f"account-session-end-{item.ref}",
                    ).props(f'flat dense no-caps aria-label="{label}"')

    async def end_all(self) -> None:
        ended = await io_bound(signed_in.end_all_other_sessions, self.principal) or 0
        ui.notify(
            ngettext("{count} other session signed out.", "{count} other sessions signed out.", ended).format(
                count=format_number(ended)
            ),
            type="positive",
        )
        await self.load()
        self.render.refresh()

    async def end(self, ref: str) -> None:
        try:
            await io_bound(signed_in.end_other_session, self.principal, ref)
        except PortalError as problem:
            ui.notify(str(problem), type="negative")
        else:
            ui.notify(_("That session is signed out."), type="positive")
        await self.load()
        self.render.refresh()


class PasswordForm:
    def __init__(self, principal: Principal, client: str) -> None:
        self.principal, self.client = principal, client

    def render(self) -> None:
        with tid(ui.card(), "password-form").classes(theme.CARD + " max-w-xl"):
            ui.label(_("Change your password")).classes(theme.SUBHEADING)
            ui.label(
                _(
                    "At least {count} characters; a few unrelated words make a strong password. Every other session "
                    "of yours is signed out, and so is any support session on your account."
                ).format(count=MIN_LENGTH)
            ).classes(theme.MUTED)
            self.current = self._field(_("Current password"), "password-current", "current-password")
            self.new = self._field(_("New password"), "password-new", "new-password")
            self.confirm = self._field(_("New password again"), "password-confirm", "new-password")
            self.button = tid(
                ui.button(_("Change password"), icon="key", on_click=self.submit), "password-submit"
            ).props("no-caps unelevated")
            self.result = tid(ui.label(""), "password-result").props('role="status"').classes("text-sm")

    def _field(self, label: str, testid: str, autocomplete: str) -> ui.input:
        field = tid(ui.input(label, password=True, password_toggle_button=True), testid).classes("w-full")
        field.on("keydown.enter", self.submit)  # Enter in any of the three sends the form, as in any web form
        return field.props(f'autocomplete="{autocomplete}" outlined dense')

    async def submit(self) -> None:
        if not self.button.enabled:  # Enter pressed again while the first change is still being made
            return
        fields = {"current": self.current, "new": self.new, "confirm": self.confirm}
        for field in fields.values():
            field.props(remove="error error-message")
        self.result.text = ""
        self.button.disable()
        try:
            ended = await with_step_up(
                self.principal,
                self.client,
                lambda: io_bound(
                    account_security.change_password,
                    self.principal,
                    current=self.current.value or "",
                    new=self.new.value or "",
                    confirm=self.confirm.value or "",
                    client=self.client,
                ),
            )
        except PasswordChangeError as problem:
            fields[problem.field].props(f'error error-message="{_attr(problem.message)}"')
            self.result.text = problem.message
            self.result.classes(replace="text-sm text-negative")
            return
        finally:
            self.button.enable()
        if ended is None:  # the fresh check was cancelled (or the app is stopping): nothing changed, keep the fields
            return
        for field in fields.values():
            field.value = ""
        signed_out = (
            ngettext("{count} other session was signed out.", "{count} other sessions were signed out.", ended).format(
                count=format_number(ended)
            )
            if ended
            else _("No other session was open.")
        )
        self.result.text = _("Your password was changed. {signed_out}").format(signed_out=signed_out)
        self.result.classes(replace="text-sm text-positive")
        ui.notify(_("Password changed"), type="positive")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")
