"""/consents: every purpose the customer can consent to, one switch each, and their consent history."""

from __future__ import annotations

import html
import uuid

from nicegui import ui
from starlette.requests import Request

from ..catalogue import Purpose, get_catalogue
from ..errors import PortalError
from ..i18n import _, ngettext, pgettext
from ..services.identity.principal import Principal
from ..services.rights import consent_withdrawal, consents
from . import theme
from .background import io_bound
from .components import text_block
from .components.consent_withdrawal_dialog import account_withdrawal_dialog, effect_lines, erasing_withdrawal_dialog
from .components.dense_table import DenseTable
from .components.pager import pager
from .components.testid import tid
from .formatting import format_datetime, format_number, format_table_time, table_times_note
from .frame import frame
from .socket_guard import LiveTimer, live_timer

_REFRESH_SECONDS = 1.0
HISTORY_PAGE = 10


def create() -> None:
    @ui.page("/consents")
    async def consents_page(request: Request, review: str | None = None) -> None:
        with frame(request, _("Your consents"), active="nav-consents") as principal:
            if not principal.is_customer:
                ui.label(_("Staff accounts have no consents.")).classes(theme.MUTED)
                return
            if request.headers.get("sec-gpc") == "1":
                await _apply_gpc(principal)
            await _review_notice(principal)
            ui.label(
                _(
                    "Giving a consent is one click. Withdrawing one is a click too, unless withdrawing it deletes "
                    "data: then you see what is deleted first and confirm. A change takes effect within a second or "
                    "two and is recorded in your consent history below."
                )
            ).classes(theme.MUTED)
            page = _ConsentsView(principal, request.client.host if request.client else "unknown")
            await page.load()
            page.render()


async def _apply_gpc(principal: Principal) -> None:
    switched = await io_bound(consents.apply_gpc, principal)
    titles = [get_catalogue().purposes[key].title for key in switched or []]
    with tid(ui.card(), "consents-gpc-notice").classes("w-full p-3 bg-blue-50 dark:bg-slate-800"):
        ui.label(
            _(
                "Your browser sends a Global Privacy Control signal: we treat it as your opt-out of any "
                "sale or sharing of your data."
            )
        ).classes("text-sm font-medium")
        if titles:
            ui.label(_("Switched off because of it: {purposes}").format(purposes=", ".join(titles))).classes("text-sm")


async def _review_notice(principal: Principal) -> None:
    changed = await io_bound(consents.purposes_to_review, principal)
    if not changed or principal.acting is not None:  # only the customer can review the policy
        return
    with tid(ui.card(), "consents-policy-review").classes("w-full p-3 border-l-4 border-amber-600"):
        ui.label(
            _("Our privacy policy changed (now version {version}). Please review these purposes:").format(
                version=get_catalogue().policy_version
            )
        ).classes("font-medium")
        for purpose in changed:
            ui.label(f"• {purpose.title}: {purpose.description}").classes("text-sm")

        async def _done() -> None:
            await io_bound(consents.mark_policy_reviewed, principal)
            ui.navigate.reload()

        tid(ui.button(_("I have reviewed the changes"), on_click=_done), "consents-review-done").props("no-caps")


class _ConsentsView:
    def __init__(self, principal: Principal, client: str) -> None:
        self.principal, self.client = principal, client  # the client: wrong passwords in a step-up count per address
        self.items: list[consents.ConsentView] = []
        self.history: list = []
        self.history_page = 1
        self.timer: LiveTimer | None = None

    async def load(self) -> None:
        self.items = await io_bound(consents.overview, self.principal) or []
        self.history = await io_bound(consents.history, self.principal) or []

    def render(self) -> None:
        self.purposes()
        self.ledger()
        # A change may already be on its way (a GPC signal applied as the page opened): follow it until done.
        self.timer = live_timer(_REFRESH_SECONDS, self._poll, active=any(item.pending for item in self.items))

    async def _poll(self) -> None:
        await self.load()
        self.purposes.refresh()
        self.ledger.refresh()
        if self.timer is not None and not any(item.pending for item in self.items):
            self.timer.deactivate()

    @ui.refreshable_method
    def purposes(self) -> None:
        with ui.grid(columns=2).classes("w-full gap-4 max-md:grid-cols-1"):
            for item in self.items:
                purpose = item.purpose
                with tid(ui.card(), f"consent-{purpose.key}").classes(theme.CARD):
                    with ui.row().classes("w-full items-center no-wrap"):
                        text_block.block([text_block.label(purpose.title, theme.SUBHEADING), text_block.SPACE])
                        tid(
                            ui.switch(
                                value=item.granted, on_change=lambda e, p=purpose: self._change(p, bool(e.value))
                            ),
                            f"consent-toggle-{purpose.key}",
                        ).props(
                            f'aria-label="{_consent_words(purpose, item.granted)}"'
                            + (" disable" if item.pending else "")
                        )
                    state = _("Pending…") if item.pending else (_("Given") if item.granted else _("Not given"))
                    after: list[str] = []
                    if item.gpc_applied:  # Quasar's markup of ui.badge(color="primary")
                        gpc = html.escape(_("Global Privacy Control applied"))
                        after.append(
                            '<div class="q-badge flex inline items-center no-wrap q-badge--single-line bg-primary '
                            f'self-start" role="status" data-testid="consent-gpc-{purpose.key}">'
                            f"{gpc}</div>"
                        )
                    if item.updated_at:
                        when = format_datetime(item.updated_at)
                        after.append(text_block.label(_("Last changed {when}").format(when=when), "text-xs"))
                    before = [text_block.label(state, "text-sm font-medium", testid=f"consent-state-{purpose.key}")]
                    _purpose_facts(purpose, before, after, f"consent-state-{purpose.key}")
                    if purpose.direct_marketing:
                        tid(
                            ui.button(_("Object to direct marketing"), icon="block", on_click=self._object),
                            f"consent-object-{purpose.key}",
                        ).props("flat dense no-caps").tooltip(
                            _("Your right to object (GDPR Art. 21): takes effect at once, no review")
                        )

    async def _change(self, purpose: Purpose, granted: bool) -> None:
        if not granted and purpose.on_withdrawal is not None and purpose.on_withdrawal.erases:
            await self._withdraw_erasing(purpose)
            return
        try:
            await io_bound(
                consents.request_change,
                self.principal,
                purpose=purpose.key,
                granted=granted,
                idempotency_key=f"consent-{uuid.uuid4()}",
            )
        except PortalError as error:
            ui.notify(str(error), type="negative")
            await self._reload()
            return
        done = _("{purpose}: consent given") if granted else _("{purpose}: consent withdrawn")
        ui.notify(done.format(purpose=purpose.title), type="positive")
        await self.load()
        self.purposes.refresh()
        if self.timer is not None:
            self.timer.activate()

    async def _withdraw_erasing(self, purpose: Purpose) -> None:
        """Withdrawing deletes data: never on one click. The switch goes back until the customer confirms."""
        assert purpose.on_withdrawal is not None
        if purpose.on_withdrawal.is_account_withdrawal:
            account_withdrawal_dialog(purpose, on_keep=self._reload)
        elif self.principal.acting is not None:
            ui.notify(_("Withdrawing this consent deletes data: only the customer can do it."), type="negative")
            await self._reload()
        else:
            await erasing_withdrawal_dialog(self.principal, purpose, client=self.client, on_close=self._reload)

    async def _reload(self) -> None:
        await self.load()
        self.purposes.refresh()
        self.ledger.refresh()

    async def _object(self) -> None:
        try:
            await io_bound(consents.object_to_direct_marketing, self.principal)
        except PortalError as error:
            ui.notify(str(error), type="negative")
            return
        ui.notify(_("Your objection to direct marketing is taking effect now."), type="positive")
        await self.load()
        self.purposes.refresh()
        if self.timer is not None:
            self.timer.activate()

    @ui.refreshable_method
    def ledger(self) -> None:
        purposes = get_catalogue().purposes
        with tid(ui.card(), "consent-history").classes(theme.CARD):
            with ui.row().classes("w-full items-center"):
                ui.label(_("Your consent history")).classes(theme.SUBHEADING)
                ui.space()
                tid(
                    ui.button(_("Download (CSV)"), icon="download", on_click=self._download), "consent-history-download"
                ).props("flat no-caps")
            # The shared table and pager, like every other table; the history is short, so its pages are cut here.
            shown = self.history[(self.history_page - 1) * HISTORY_PAGE : self.history_page * HISTORY_PAGE]
            table = DenseTable(
                [_("When"), _("Purpose"), _("Action"), _("Policy"), _("How")],
                testid="consent-history-table",
                caption=_("Your consent history, newest first"),
            )
            for e in shown:
                table.text_row(
                    f"consent-history-row-{e.id}",
                    (
                        format_table_time(e.at),
                        purposes[e.purpose].title if e.purpose in purposes else e.purpose,
                        _("Given") if e.granted else _("Withdrawn"),
                        e.policy_version,
                        _channel_word(e.channel),
                    ),
                )
            count = len(self.history)
            pager(
                "consent-history",
                page=self.history_page,
                pages=max(1, -(-count // HISTORY_PAGE)),
                total=ngettext("{count} change", "{count} changes", count).format(count=format_number(count)),
                on_page=self._history_page,
                note=table_times_note(),
            )

    async def _history_page(self, number: int) -> None:
        self.history_page = number
        self.ledger.refresh()

    async def _download(self) -> None:
        content = await io_bound(consents.history_csv, self.principal)
        ui.download.content(content or b"", "consent-history.csv", "text/csv")


def _purpose_facts(purpose: Purpose, before: list[str], after: list[str], *markers: str) -> None:
    """What the purpose is, its legal basis, who receives its data and what withdrawing does (the catalogue's
    on_withdrawal), shown before any click, with the consent's state `before` and its last change `after`. No
    handler among them: one element (text_block), not a label each."""
    basis = get_catalogue().legal_bases[purpose.legal_basis]
    parts = [
        text_block.label(purpose.description, "text-sm"),
        text_block.label(
            _("Legal basis: {basis} ({reference})").format(basis=basis.title, reference=basis.reference), theme.MUTED
        ),
        text_block.label(_("Who receives it: {recipients}").format(recipients=_recipients(purpose)), theme.MUTED),
    ]
    parts = [*before, *parts]
    found = list(markers)
    if purpose.on_withdrawal is not None:
        effects = [
            text_block.label(
                _("If you withdraw: {summary}").format(summary=purpose.on_withdrawal.summary), "text-sm font-medium"
            ),
            *(text_block.label("• " + line, theme.MUTED) for line in effect_lines(purpose)),
        ]
        if purpose.on_withdrawal.erases:
            effects.append(text_block.label(_(consent_withdrawal.NOT_RESTORED), theme.MUTED))
        found.append(f"consent-effects-{purpose.key}")
        parts.append(text_block.column(effects, "gap-0", testid=f"consent-effects-{purpose.key}"))
    text_block.block([*parts, *after], *found)


def _recipients(purpose: Purpose) -> str:
    catalogue = get_catalogue()
    return "; ".join(catalogue.recipients[r].label for r in purpose.recipients)


def _consent_words(purpose: Purpose, granted: bool) -> str:
    """The switch's name for a screen reader: "Newsletter: consent given"."""
    words = _("{purpose}: consent given") if granted else _("{purpose}: consent not given")
    return words.format(purpose=purpose.title)


def _channel_word(channel: str) -> str:
    """How a consent changed, as the history's "How" column says it (the stored channel in the reader's words)."""
    words = {
        "portal": pgettext("consent channel", "portal"),
        "registration": pgettext("consent channel", "registration"),
        "gpc": pgettext("consent channel", "gpc"),
        "support": pgettext("consent channel", "support"),
        "withdrawal": pgettext("consent channel", "withdrawal"),
        "objection": pgettext("consent channel", "objection"),
        "staff": pgettext("consent channel", "staff"),
    }
    return words.get(channel, channel)
