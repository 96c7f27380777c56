"""/staff/audit: the audit trail for privacy officers — filter, page through, and verify the hash chain."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from nicegui import ui
from starlette.requests import Request

from ..i18n import _
from ..i18n.formats import format_count, zone_label
from ..models import Role
from ..queue.request_errors import NotPermitted
from ..services.identity.principal import Principal
from ..services.views import audit_view
from ..services.views.audit_view import AuditQuery, AuditRow
from ..web.downloads import AUDIT_CSV_PATH
from . import theme
from .background import io_bound
from .components.dense_table import WRAP, DenseTable
from .components.paged_table import paged_table
from .components.testid import data, tid
from .formatting import format_table_time
from .frame import frame


def create() -> None:
    @ui.page("/staff/audit")
    async def staff_audit_page(request: Request) -> None:
        with frame(request, _("Audit trail"), active="nav-staff-audit") as principal:
            if principal.role != Role.DPO.value:
                tid(ui.label(_("The audit trail is for privacy officers only.")), "audit-denied").classes(
                    "text-base font-medium"
                ).props('role="alert"')
                return
            view = _AuditView(principal)
            await view.load()


def _account_id(value: str | None) -> tuple[bool, int | None]:
    text = (value or "").strip().lstrip("#")
    if not text:
        return True, None
    return (True, int(text)) if text.isdigit() and len(text) <= 12 else (False, None)


def _details(details: dict[str, Any]) -> str:
    """The event's details as recorded (ids and codes, the same in every language)."""
    return ", ".join(f"{key}={value}" for key, value in sorted(details.items())) if details else "—"


class _AuditView:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.query = AuditQuery()
        ui.label(
            _("Append-only and hash-chained: every event holds ids and action names, never personal values.")
        ).classes(theme.MUTED)
        with ui.row().classes("w-full gap-3 items-center"):
            tid(
                ui.input(_("Action contains"), on_change=lambda e: self.load(action=e.value or "", page=1)),
                "audit-filter-action",
            ).props("dense outlined clearable debounce=300").classes("w-56")
            self.subject = (
                tid(
                    ui.input(_("Subject account id"), on_change=lambda e: self._id_filter(e, "subject_id")),
                    "audit-filter-subject",
                )
                .props("dense outlined clearable debounce=300")
                .classes("w-44")
            )
            self.actor = (
                tid(
                    ui.input(_("Actor account id"), on_change=lambda e: self._id_filter(e, "actor_id")),
                    "audit-filter-actor",
                )
                .props("dense outlined clearable debounce=300")
                .classes("w-44")
            )
            ui.space()
            # A plain link to a streamed download: the file can be the whole trail, too much for the page's socket.
            self.download = (
                tid(ui.link(_("Download CSV"), self._csv_path()), "audit-download")
                .props('download="audit-trail.csv"')
                .classes("text-sm font-medium")
            )
            self.verify_button = tid(
                ui.button(_("Verify chain"), icon="verified", on_click=self._verify), "audit-verify"
            ).props("no-caps")
        self.verify_result = (
            tid(ui.label(""), "audit-verify-result").classes("text-sm font-medium").props('role="status"')
        )
        self.table = paged_table(
            [
                _("Seq"),
                # The cells are in the reader's time zone (format_table_time): the heading names it.
                _("When ({zone})").format(zone=zone_label()),
                _("Action"),
                _("Actor"),
                _("Subject"),
                _("Target"),
                _("Origin"),
                _("Details"),
                _("Hash"),
            ],
            testid="audit-card",
            prefix="audit",
            caption=_("Audit events, newest first"),
            empty=_("No audit events match these filters."),
            count_words=lambda n: format_count(n, "{count} event", "{count} events"),
            row=_row,
            on_page=lambda p: self.load(page=p),
        )

    def _csv_path(self) -> str:
        filters = {"action": self.query.action, "subject": self.query.subject_id, "actor": self.query.actor_id}
        chosen = {key: value for key, value in filters.items() if value not in ("", None)}
        return AUDIT_CSV_PATH + (f"?{urlencode(chosen)}" if chosen else "")

    async def load(self, **changes: Any) -> None:
        self.query = replace(self.query, **changes)
        self.download.props(f'href="{self._csv_path()}"')
        try:
            page = await io_bound(audit_view.audit_page, self.principal, self.query)
        except NotPermitted as exc:
            ui.notify(_("Not allowed: {reason}").format(reason=exc), type="negative")
            return
        self.table.show(page)

    async def _id_filter(self, event: Any, field: str) -> None:
        ok, value = _account_id(event.value)
        event.sender.error = None if ok else _("Enter an account number.")
        if ok:
            await self.load(**{field: value, "page": 1})

    async def _verify(self) -> None:
        self.verify_button.disable()
        self.verify_result.set_text(_("Verifying…"))
        try:
            ok, text = await io_bound(audit_view.verify_chain, self.principal) or (False, _("Not verified."))
        except NotPermitted as exc:
            ok, text = False, _("Not allowed: {reason}").format(reason=exc)
        finally:
            self.verify_button.enable()
        self.verify_result.set_text(text)
        self.verify_result.classes(replace="text-sm font-medium " + ("text-positive" if ok else "text-negative"))
        await self.load()


def _row(table: DenseTable, event: AuditRow) -> None:
    with table.row(f"audit-row-{event.id}"):
        with table.cell("audit-seq"):
            ui.label(str(event.seq) if event.seq else _("unsealed"))
        with table.cell("audit-at"):
            ui.label(format_table_time(event.at))
        with data(table.cell("audit-action")):  # the trail as stored: codes and ids
            ui.label(event.action).classes("font-mono text-xs")
        with data(table.cell("audit-actor", "whitespace-nowrap")):  # the trail as stored: codes and ids
            ui.label(f"#{event.actor_id} {event.actor_role}" if event.actor_id else event.actor_role or "")
        with table.cell("audit-subject"):
            ui.label(f"#{event.subject_id}" if event.subject_id else "—")
        with data(table.cell("audit-target", "whitespace-nowrap")):  # the trail as stored: codes and ids
            ui.label(f"{event.target_type} {event.target_id}" if event.target_type else "—")
        with data(table.cell("audit-origin")):  # the trail as stored: codes and ids
            ui.label(event.origin or "—").classes("font-mono text-xs")
        with data(table.cell("audit-details", WRAP)):  # the trail as stored: codes and ids
            ui.label(_details(event.details)).classes("font-mono text-xs break-words")
        with data(table.cell("audit-hash")):  # the trail as stored: codes and ids
            ui.label((event.hash or "")[:12] or "—").classes("font-mono text-xs").props(f'title="{event.hash or ""}"')
