"""A category page's "Restrict or object" panel: the restrictions and objections in force for the category,
the ones still being decided, and the dialog that files a new one (GDPR Art. 18 and Art. 21)."""

from __future__ import annotations

import html
import uuid

from nicegui import ui

from ...catalogue import Category
from ...i18n import DEFAULT_LOCALE, PSEUDO_LOCALE, _, current_locale, ngettext
from ...queue.registry import PayloadError, get_type
from ...services.identity.principal import Principal
from ...services.views import requests_view
from ...services.views.requests_view import CategoryRestrictions
from .. import theme
from ..background import io_bound
from ..formatting import format_date
from . import tones
from .dialog_focus import SEND_HINT, on_send
from .status_badges import status_chip
from .testid import data, tid

MIN_REASON = 10
MAX_REASON = 1000


class RestrictionPanel:
    def __init__(self, principal: Principal, category: Category) -> None:
        self.principal, self.category = principal, category
        self.state: CategoryRestrictions | None = None
        self.idempotency_key = ""
        # The dialog is built when first opened, where the panel stands (a dialog shows above the page wherever it
        # is): most views of a category never open it, and its fields are among the dearest elements to build.
        self.dialog: ui.dialog | None = None
        self._host = ui.context.slot.parent
        with tid(ui.card(), "category-rights").classes("w-full p-4 gap-2"):
            ui.label(_("Restrict or object")).classes(theme.SUBHEADING)
            ui.label(
                _(
                    "You can ask us to store your {category} but not otherwise use it, or object "
                    "to processing based on our legitimate interests."
                ).format(category=_in_sentence(category.title))
            ).classes(theme.MUTED)
            self.body()
            tid(
                ui.button(_("Restrict or object"), icon="pan_tool", on_click=self.open, color=None), "category-restrict"
            ).props("outline no-caps").classes(tones.ACTION)

    async def load(self) -> None:
        self.state = await io_bound(requests_view.category_restrictions, self.principal, self.category.key)
        self.body.refresh()

    @ui.refreshable_method
    def body(self) -> None:
        if self.state is None:
            ui.skeleton().classes("w-full h-8")
            return
        for active in self.state.active:
            with tid(ui.column(), "category-restriction").classes("gap-0 p-2 rounded bg-blue-50 dark:bg-slate-800"):
                ui.label(
                    _("{kind} in force since {date}").format(kind=active.kind_title, date=format_date(active.since))
                ).classes("text-sm font-semibold")
                data(ui.label(active.reason)).classes("text-sm break-words")  # the customer's own words
                with ui.row().classes("items-center gap-2"):
                    tid(
                        ui.link(
                            _("Request #{number}").format(number=active.request_id), f"/requests/{active.request_id}"
                        ),
                        f"category-restriction-link-{active.request_id}",
                    ).classes("text-xs")
                    tid(
                        ui.button(_("Lift"), on_click=lambda r=active.request_id: self._lift(r), color=None),
                        f"category-restriction-lift-{active.request_id}",
                    ).props("flat dense no-caps size=sm").tooltip(_("Processing resumes; recipients are told"))
        for pending in self.state.pending:
            with tid(ui.row(), "category-restriction-pending").classes("items-center gap-2 text-sm"):
                tid(
                    ui.link(f"{pending.type_title} #{pending.id}", f"/requests/{pending.id}"),
                    f"category-restriction-link-{pending.id}",
                )
                status_chip(pending.status)

    async def _lift(self, restriction_request: int) -> None:
        try:
            await io_bound(
                requests_view.lift_restriction,
                self.principal,
                restriction_request=restriction_request,
                idempotency_key=f"lift-{restriction_request}-{uuid.uuid4()}",
            )
        except PayloadError as error:
            ui.notify(str(error), type="negative")
            return
        ui.notify(_("Lifting it now: processing resumes within a second or two."), type="positive")
        await self.load()

    def _dialog(self) -> ui.dialog:
        with (
            self._host,
            ui.dialog() as dialog,
            tid(ui.card(), "restrict-dialog").classes("w-[36rem] max-w-full p-4 gap-3"),
        ):
            ui.label(_("Restrict or object: {category}").format(category=self.category.title)).classes(
                theme.HEADING
            ).props('role="heading" aria-level="2"')
            question = _("What would you like us to do?")
            ui.label(question).classes(theme.LABEL)
            self.kind = tid(
                ui.radio(
                    {
                        "restriction": _("Restrict processing. {description}").format(
                            description=_(get_type("restriction").description)
                        ),
                        "objection": _("Object to processing. {description}").format(
                            description=_(get_type("objection").description)
                        ),
                    },
                    value="restriction",
                ),
                "restrict-kind",
            ).props(f'aria-label="{question}" autofocus')  # the dialog opens with the focus here
            self.reason = (
                tid(ui.textarea(_reason_label()), "restrict-reason")
                .props(f"outlined counter maxlength={MAX_REASON} autogrow")
                .classes("w-full")
            )
            on_send(self.reason, self._submit)
            ui.label(
                _("A privacy officer reviews your request; we answer within one month.") + " " + _(SEND_HINT)
            ).classes(theme.MUTED)
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button(_("Cancel"), on_click=dialog.close, color=None), "restrict-cancel").props(
                    "flat no-caps"
                ).classes(tones.QUIET)
                self.submit_button = tid(
                    ui.button(_("Send request"), icon="send", on_click=self._submit), "restrict-submit"
                ).props("no-caps")
        return dialog

    def open(self) -> None:
        if self.dialog is None:
            self.dialog = self._dialog()
        self.idempotency_key = uuid.uuid4().hex  # one per opened dialog: a double click files one request
        self.kind.value = "restriction"
        self.reason.value = ""
        self.reason.error = None
        self.submit_button.enable()
        self.dialog.open()

    async def _submit(self) -> None:
        reason = (self.reason.value or "").strip()
        if len(reason) < MIN_REASON:
            self.reason.error = ngettext(
                "Please give a reason of at least {count} character.",
                "Please give a reason of at least {count} characters.",
                MIN_REASON,
            ).format(count=MIN_REASON)
            return
        self.reason.error = None
        self.submit_button.disable()
        try:
            request_id = await io_bound(
                requests_view.file_restriction,
                self.principal,
                kind=self.kind.value,
                category=self.category.key,
                reason=reason,
                idempotency_key=self.idempotency_key,
            )
        except PayloadError as exc:
            self.submit_button.enable()
            self.reason.error = str(exc)
            ui.notify(_("Your request was not filed: {reason}").format(reason=exc), type="negative")
            return
        if self.dialog is not None:  # always built by now: only its own button and field send
            self.dialog.close()
        filed = html.escape(_("Request #{number} filed.").format(number=request_id), quote=False)
        view = html.escape(_("View request"), quote=False)
        ui.notify(
            f'{filed} <a class="underline" href="/requests/{request_id}">{view}</a>',
            html=True,
            type="positive",
            timeout=10000,
            close_button=_("Close"),
        )
        await self.load()


def _reason_label() -> str:
    return ngettext(
        "Your reason (at least {count} character)", "Your reason (at least {count} characters)", MIN_REASON
    ).format(count=MIN_REASON)


def _in_sentence(title: str) -> str:
    """A category's title inside a sentence: lower case in English ("your contact details"); other languages keep
    the catalogue's spelling (German nouns keep their capital, and their sentences quote the title)."""
    return title.lower() if current_locale() in (DEFAULT_LOCALE, PSEUDO_LOCALE) else title
