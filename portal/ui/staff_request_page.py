"""/staff/requests/<id>: one request in full for staff — facts, payload, the whole timeline (internal comments
included) and the actions the role and status allow. Opening the page is recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui
from starlette.requests import Request

from ..errors import PortalError
from ..i18n import N_, _, ngettext
from ..queue.request_errors import RequestNotFound
from ..services.identity.principal import Principal
from ..services.views import requests_view, staff_view
from ..services.views.staff_view import StaffRequestDetail
from . import theme
from .background import io_bound
from .components import tones
from .components.dialog_focus import SEND_HINT, on_send, return_focus
from .components.problem_page import problem_page
from .components.request_timeline import request_timeline
from .components.staff_request_facts import staff_request_facts
from .components.testid import tid
from .context import principal_of
from .formatting import format_number
from .frame import frame
from .page_changes import on_change

NOT_FOUND = N_("There is no request with this number.")


def create() -> None:
    @ui.page("/staff/requests/{request_id}")
    async def staff_request_page(request: Request, request_id: str) -> None:
        principal = principal_of(request)
        number = int(request_id) if request_id.isdigit() and len(request_id) <= 12 else None
        try:
            detail = (
                await io_bound(staff_view.request_detail, principal, number, record_view=True)
                if number is not None
                else None
            )
        except RequestNotFound:
            detail = None
        if detail is None or number is None:
            problem_page(
                request,
                status=404,
                title=_("Request not found"),
                message=_(NOT_FOUND),
                way_on=(_("Back to the request queue"), "/staff"),
                active="nav-staff",
            )
            return
        with frame(request, _("Request #{number}").format(number=number), active="nav-staff"):
            _StaffRequestView(principal, number, detail, await io_bound(staff_view.staff_members, principal) or {})


class _StaffRequestView:
    def __init__(self, principal: Principal, number: int, detail: StaffRequestDetail, staff: dict[int, str]) -> None:
        self.principal, self.number, self.detail, self.staff = principal, number, detail, staff
        tid(ui.link(_("← Request queue"), "/staff"), "staff-back").classes("text-sm")
        with ui.row().classes("w-full gap-4 items-start flex-nowrap max-lg:flex-wrap"):
            with ui.column().classes("grow gap-4 min-w-0"):
                self.facts()
                self.timeline()
            with ui.column().classes("w-96 max-lg:w-full gap-4 shrink-0"):
                self.actions()
                self._comment_form()
        # A worker moves a request on within seconds of approval: followed on its write, not on a timer.
        on_change(requests_view.REQUEST_TABLES, self._follow)

    async def _follow(self) -> None:
        """A worker moves a request on within seconds of approval: show its new status without a reload."""
        if not self.detail.row.is_open:
            return
        try:
            latest = await io_bound(staff_view.request_detail, self.principal, self.number)
        except RequestNotFound:
            return
        if latest is not None and latest.row.status != self.detail.row.status:
            await self.reload()

    async def reload(self) -> None:
        try:
            detail = await io_bound(staff_view.request_detail, self.principal, self.number)
        except RequestNotFound:
            ui.notify(_(NOT_FOUND), type="negative")
            return
        if detail is None:  # None: the app is shutting down
            return
        self.detail = detail
        self.facts.refresh()
        self.timeline.refresh()
        self.actions.refresh()

    async def _act(self, action: Callable[..., None], *args: Any, done: str) -> bool:
        """`done`: what the page says once it worked, translated by the caller."""
        try:
            await io_bound(action, self.principal, self.number, *args)
        except PortalError as exc:
            ui.notify(_("Not done: {reason}").format(reason=exc), type="negative", multi_line=True)
            await self.reload()
            return False
        ui.notify(done, type="positive")
        await self.reload()
        return True

    @ui.refreshable_method
    def facts(self) -> None:
        staff_request_facts(self.detail)

    @ui.refreshable_method
    def timeline(self) -> None:
        request_timeline(self.detail.timeline, title=_("Timeline"))

    @ui.refreshable_method
    def actions(self) -> None:
        allowed = self.detail.actions
        with tid(ui.card(), "staff-actions").classes(theme.CARD):
            ui.label(_("Actions")).classes(theme.SUBHEADING)
            with ui.row().classes("gap-2"):
                if "approve" in allowed:
                    tid(
                        ui.button(
                            _("Approve"),
                            icon="check",
                            on_click=lambda: self._act(staff_view.approve, done=_("Approved: the request is queued.")),
                        ),
                        "staff-approve",
                    ).props("color=positive no-caps")
                if "reject" in allowed:
                    tid(ui.button(_("Reject"), icon="block", on_click=self._reject, color=None), "staff-reject").props(
                        "outline no-caps"
                    ).classes(tones.DANGER)
                if "retry" in allowed:
                    tid(
                        ui.button(
                            _("Retry"),
                            icon="replay",
                            on_click=lambda: self._act(staff_view.retry, done=_("Queued again.")),
                        ),
                        "staff-retry",
                    ).props("no-caps")
                if "extend" in allowed:
                    tid(
                        ui.button(_("Extend deadline"), icon="schedule", on_click=self._extend, color=None),
                        "staff-extend",
                    ).props("outline no-caps").classes(tones.ACTION)
                if "cancel" in allowed:
                    tid(
                        ui.button(_("Cancel request"), icon="cancel", on_click=self._cancel, color=None),
                        "staff-cancel",
                    ).props("flat no-caps").classes(tones.DANGER)
            if not allowed - {"comment", "assign-self", "assign-any"}:
                tid(ui.label(_("No status action applies to this request for your role.")), "staff-no-actions").classes(
                    theme.MUTED
                )
            self._assign_select()

    def _assign_select(self) -> None:
        d = self.detail
        options = {"me": _("Me"), "none": _("Unassigned")}
        if "assign-any" in d.actions:
            options |= {str(i): name for i, name in self.staff.items() if i != self.principal.account_id}
        current = (
            "none"
            if d.assignee_id is None
            else "me"
            if d.assignee_id == self.principal.account_id
            else str(d.assignee_id)
        )
        options.setdefault(current, d.assignee_name)  # someone else's assignment stays readable for agents
        tid(ui.select(options, value=current, label=_("Assigned to"), on_change=self._assign), "staff-assign").props(
            "dense outlined options-dense"
        ).classes("w-full")

    async def _assign(self, event: Any) -> None:
        value = event.value
        assignee = self.principal.account_id if value == "me" else None if value == "none" else int(value)
        await self._act(staff_view.assign, assignee, done=_("Assignment saved."))

    async def _reject(self) -> None:
        answer = await _ask(
            _("Reject this request"),
            "staff-reject",
            _("Reject"),
            _("The customer sees this reason, with their right to complain to a supervisory authority."),
        )
        if answer:
            await self._act(staff_view.reject, answer[0], done=_("Rejected."))
        return_focus("staff-reject")  # gone once rejected: then the page's content

    async def _cancel(self) -> None:
        answer = await _ask(
            _("Cancel this request"), "staff-cancel", _("Cancel request"), _("The customer sees this reason.")
        )
        if answer:
            await self._act(staff_view.cancel, answer[0], done=_("Canceled."))
        return_focus("staff-cancel")

    async def _extend(self) -> None:
        answer = await _ask(
            _("Extend the deadline"),
            "staff-extend",
            _("Extend"),
            _("The customer sees the new date and this reason (GDPR Art. 12(3))."),
            months=self.detail.extend_months,
        )
        if answer:
            await self._act(staff_view.extend, answer[1], answer[0], done=_("Deadline extended."))
        return_focus("staff-extend")

    def _comment_form(self) -> None:
        with tid(ui.card(), "staff-comment").classes(theme.CARD):
            ui.label(_("Comment")).classes(theme.SUBHEADING)
            text = tid(
                ui.textarea(_("Comment")).props("outlined counter maxlength=2000 autogrow"), "staff-comment-input"
            ).classes("w-full")
            to_customer = tid(ui.checkbox(_("Send to the customer (otherwise internal)")), "staff-comment-to-customer")

            async def _send() -> None:
                if not (text.value or "").strip():
                    text.error = _("Please write a comment first.")
                    return
                text.error = None
                saved = _("Comment saved.")
                if await self._act(staff_view.comment, text.value, bool(to_customer.value), done=saved):
                    # Back to internal after every send: a ticked box left over from a message to the customer
                    # would send the next internal note to them too.
                    text.value, to_customer.value = "", False

            tid(ui.button(_("Add comment"), icon="send", on_click=_send), "staff-comment-send").props("no-caps")


async def _ask(
    title: str, prefix: str, confirm: str, hint: str, *, months: tuple[int, ...] = ()
) -> tuple[str, int] | None:
    """A small dialog asking for a required reason (and, for extensions, how many months); the texts come
    translated."""
    with ui.dialog() as dialog, tid(ui.card(), f"{prefix}-dialog").classes("w-[32rem] max-w-full p-4 gap-3"):
        ui.label(title).classes(theme.HEADING).props('role="heading" aria-level="2"')
        ui.label(hint).classes(theme.MUTED)
        month_select = (
            tid(
                ui.select(
                    {m: ngettext("{count} month", "{count} months", m).format(count=format_number(m)) for m in months},
                    value=months[0],
                    label=_("Extend by"),
                ),
                f"{prefix}-months",
            )
            .classes("w-40")
            .props("autofocus")
            if months
            else None
        )
        hint = _(SEND_HINT)  # marked where it is defined (components/dialog_focus.py)
        reason = tid(
            ui.textarea(_("Reason (required)")).props(
                f'outlined counter maxlength=2000 autogrow hint="{hint}"' + ("" if months else " autofocus")
            ),
            f"{prefix}-reason",
        ).classes("w-full")

        def _confirm() -> None:
            if not (reason.value or "").strip():
                reason.error = _("A reason is required.")
                return
            dialog.submit((reason.value.strip(), month_select.value if month_select else 0))

        on_send(reason, _confirm)
        with ui.row().classes("w-full justify-end gap-2"):
            tid(ui.button(_("Back"), on_click=lambda: dialog.submit(None), color=None), f"{prefix}-back").props(
                "flat no-caps"
            ).classes(tones.QUIET)
            tid(ui.button(confirm, on_click=_confirm), f"{prefix}-confirm").props("color=primary no-caps")
    result = await dialog
    dialog.delete()
    return result
