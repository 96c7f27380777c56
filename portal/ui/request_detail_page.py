"""/requests/<id>: one of the customer's requests — status, deadline, outcome, timeline, cancel and notes.

An id that is not the customer's gets exactly the same 404 as an id that does not exist."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from starlette.requests import Request

from ..catalogue import get_catalogue
from ..errors import PortalError
from ..i18n import N_, _
from ..queue.request_errors import RequestNotFound
from ..queue.stored_text import in_words
from ..services.identity.principal import Principal
from ..services.recipients import views as recipient_views
from ..services.recipients.views import NoticeView
from ..services.views import requests_view
from ..services.views.activity_words import who_in_words
from ..services.views.requests_view import RequestDetail, TimelineEntry
from . import theme
from .background import io_bound
from .components import tones
from .components.dialog_focus import return_focus
from .components.problem_page import problem_page, refused_to_staff
from .components.request_notices import request_notices
from .components.request_timeline import request_timeline
from .components.status_badges import due_badge, status_chip
from .components.testid import data, tid
from .context import principal_of
from .formatting import format_date, format_datetime
from .frame import frame
from .page_changes import on_change

NOT_FOUND = N_("There is no such request in your account.")
STAFF_REFUSAL = N_("Staff accounts have no requests of their own; the request queue lists the customers' requests.")
COMPLAINT = N_(
    "If you disagree with this decision, you have the right to lodge a complaint with a data-protection "
    "supervisory authority and to seek a judicial remedy."
)
FINISHED_NOTE = N_(
    "This request is finished, so notes can no longer be added to it. Your data pages, consents and "
    "exports let you file a new one."
)


def create() -> None:
    @ui.page("/requests/{request_id}")
    async def request_detail_page(request: Request, request_id: str) -> None:
        if refused_to_staff(request, title=_("No requests here"), message=_(STAFF_REFUSAL)):
            return
        principal = principal_of(request)
        number = int(request_id) if request_id.isdigit() and len(request_id) <= 12 else None
        detail = await _load(principal, number) if number is not None else None
        if detail is None or number is None:  # another customer's request looks exactly like a missing one
            problem_page(
                request,
                status=404,
                title=_("Request not found"),
                message=_(NOT_FOUND),
                way_on=(_("Your requests"), "/requests"),
                active="nav-requests",
            )
            return
        told = await io_bound(recipient_views.request_notices, principal, number) or []
        with frame(request, _("Request #{number}").format(number=number), active="nav-requests"):
            _DetailView(principal, number, detail, told)


async def _load(principal: Principal, number: int) -> RequestDetail | None:
    try:
        return await io_bound(requests_view.request_detail, principal, number)
    except RequestNotFound:
        return None


class _DetailView:
    def __init__(self, principal: Principal, number: int, detail: RequestDetail, told: list[NoticeView]) -> None:
        self.principal, self.number, self.detail, self.told = principal, number, detail, told
        tid(ui.link(_("← All your requests"), "/requests"), "request-back").classes("text-sm")
        with ui.row().classes("w-full gap-4 items-start flex-nowrap max-lg:flex-wrap"):
            with ui.column().classes("grow gap-4 min-w-0"):
                self.summary()
                self.notices()
                self.timeline()
            self.note_form()
        # The worker (perhaps in another process) moves the request on: refreshed on its write, not on a timer.
        on_change(requests_view.REQUEST_TABLES, self._poll)

    async def reload(self) -> None:
        detail = await _load(self.principal, self.number)
        if detail is None:
            ui.notify(_(NOT_FOUND), type="negative")
            return
        self.detail = detail
        self.told = await io_bound(recipient_views.request_notices, self.principal, self.number) or []
        self.summary.refresh()
        self.notices.refresh()
        self.timeline.refresh()
        self.note_form.refresh()

    async def _poll(self) -> None:
        """Show the worker's progress without a reload, but rebuild only when something changed."""
        if not self.detail.row.is_open:
            await self._poll_notices()
            return
        fresh = await _load(self.principal, self.number)
        if fresh and (fresh.row.status, len(fresh.timeline)) != (self.detail.row.status, len(self.detail.timeline)):
            await self.reload()

    async def _poll_notices(self) -> None:
        """After the change, recipients confirm one by one: show each answer as it comes."""
        if not self.told or all(n.status == "acknowledged" for n in self.told):
            return
        fresh = await io_bound(recipient_views.request_notices, self.principal, self.number) or []
        if [n.state for n in fresh] != [n.state for n in self.told]:
            self.told = fresh
            self.notices.refresh()

    @ui.refreshable_method
    def summary(self) -> None:
        d, row = self.detail, self.detail.row
        with tid(ui.card(), "request-summary").classes(theme.CARD):
            with ui.row().classes("w-full items-center gap-3"):
                tid(ui.label(row.type_title), "request-type").classes(theme.HEADING)
                status_chip(row.status)
                ui.space()
                if d.cancelable:
                    tid(
                        ui.button(_("Cancel request"), icon="cancel", on_click=self._confirm_cancel, color=None),
                        "request-cancel",
                    ).props("outline no-caps").classes(tones.DANGER)
            tid(ui.label(row.status_label), "request-status-label").classes(theme.MUTED)
            if d.filed_by_support:
                tid(ui.label(_("Filed by support on your behalf.")), "request-filed-by-support").classes(
                    "text-sm font-medium"
                )
            with ui.grid(columns="auto 1fr").classes("gap-x-6 gap-y-1 items-baseline"):
                _fact(_("Received"), format_datetime(row.received_at), "request-received")
                if row.is_open:  # once finished, "Finished" below says what matters
                    with _fact_cell(_("Due")), ui.row().classes("items-center gap-2"):
                        tid(ui.label(format_date(row.due_at)), "request-due")
                        due_badge(row.urgency, "request-due-badge")
                if d.completed_at:
                    _fact(_("Finished"), format_datetime(d.completed_at), "request-completed")
                for fact in d.facts:  # what the customer asked for, in their words: data
                    _fact(fact.label, fact.text, f"request-payload-{fact.key}", is_data=True)
            if d.extended_due_at:
                tid(
                    ui.label(
                        _("Extended to {date}: {reason}").format(
                            date=format_date(d.extended_due_at), reason=d.extension_reason or ""
                        )
                    ),
                    "request-extension",
                ).classes("text-sm")
            if d.outcome and not d.rejection_reason:
                tid(ui.label(in_words(d.outcome)), "request-outcome").classes("text-sm font-medium")
            if d.rejection_reason:
                with tid(ui.column(), "request-rejection").classes(
                    "gap-1 p-3 rounded border-l-4 border-red-700 bg-red-50 dark:bg-red-950"
                ):
                    ui.label(_("We rejected this request: {reason}").format(reason=d.rejection_reason)).classes(
                        "text-sm font-medium"
                    )
                    tid(ui.label(_(COMPLAINT)), "request-complaint-right").classes("text-sm")

    @ui.refreshable_method
    def notices(self) -> None:
        request_notices(self.told)

    @ui.refreshable_method
    def timeline(self) -> None:
        request_timeline(self.detail.timeline, title=_("What happened so far"), by=_by_for_customer)

    @ui.refreshable_method
    def note_form(self) -> None:
        with tid(ui.card(), "request-note").classes("w-96 max-lg:w-full p-4 gap-2 shrink-0"):
            ui.label(_("Write to our privacy team") if self.detail.open else _("Notes are closed")).classes(
                theme.SUBHEADING
            )
            if not self.detail.open:
                tid(ui.label(_(FINISHED_NOTE)), "request-note-closed").classes(theme.MUTED)
                contact = get_catalogue().controller_contact
                if contact:
                    tid(
                        ui.label(_("Anything else: {contact}").format(contact=contact)), "request-note-contact"
                    ).classes("text-sm")
                return
            ui.label(_("Add information or ask a question about this request.")).classes(theme.MUTED)
            self.note = tid(
                ui.textarea(_("Your note")).props("outlined counter maxlength=2000 autogrow"), "request-note-input"
            ).classes("w-full")
            tid(ui.button(_("Send note"), icon="send", on_click=self._send_note), "request-note-send").props("no-caps")

    async def _send_note(self) -> None:
        text = (self.note.value or "").strip()
        if not text:
            self.note.error = _("Please write a note first.")
            return
        self.note.error = None
        try:
            await io_bound(requests_view.send_note, self.principal, self.number, text)
        except PortalError as exc:  # finished meanwhile: say so, keep the text
            ui.notify(_("Your note was not sent: {reason}").format(reason=exc), type="negative")
            await self.reload()
            return
        self.note.value = ""
        ui.notify(_("Your note was sent to our privacy team."), type="positive")
        await self.reload()

    async def _confirm_cancel(self) -> None:
        with ui.dialog() as dialog, tid(ui.card(), "request-cancel-dialog").classes("p-4 gap-3"):
            ui.label(_("Cancel request #{number}?").format(number=self.number)).classes(theme.SUBHEADING)
            ui.label(_("We will stop working on it. You can file a new request at any time.")).classes(theme.MUTED)
            with ui.row().classes("w-full justify-end gap-2"):
                tid(
                    ui.button(_("Keep it"), on_click=lambda: dialog.submit(False), color=None), "request-cancel-keep"
                ).props("flat no-caps autofocus").classes(tones.QUIET)  # the safe choice has the focus
                tid(
                    ui.button(_("Cancel request"), on_click=lambda: dialog.submit(True)), "request-cancel-confirm"
                ).props("color=negative no-caps")
        confirmed = await dialog
        dialog.delete()
        if confirmed:
            try:
                await io_bound(requests_view.cancel_request, self.principal, self.number)
            except PortalError as exc:
                ui.notify(_("The request could not be canceled: {reason}").format(reason=exc), type="negative")
            else:
                ui.notify(_("Request #{number} was canceled.").format(number=self.number), type="positive")
            await self.reload()
        return_focus("request-cancel")  # gone once canceled: then the page's content


def _by_for_customer(entry: TimelineEntry) -> str:
    return _("by {who}").format(who=who_in_words(entry.by)) if entry.by != "system" else _("automatic")


def _fact_cell(label: str) -> Any:
    ui.label(label).classes(theme.LABEL)
    return ui.element("div")


def _fact(label: str, value: str, testid: str, *, is_data: bool = False) -> None:
    with _fact_cell(label):
        shown = tid(ui.label(value), testid).classes("text-sm break-words")
        if is_data:
            data(shown)
