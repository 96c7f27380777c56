"""/exports: choose categories and formats, preview, request, watch progress, download or delete."""

from __future__ import annotations

import hashlib
import json
import uuid

from nicegui import ui
from starlette.requests import Request

from ..catalogue import get_catalogue
from ..i18n import N_, _, ngettext, pgettext
from ..services.identity.principal import Principal
from ..services.rights import export_allowance, exports
from . import theme
from .background import io_bound
from .components.step_up_dialog import with_step_up
from .components.testid import tid
from .formatting import format_bytes, format_count, format_datetime, format_number, format_value
from .frame import frame
from .page_changes import on_change

FORMAT_LABELS = {
    "json": N_("JSON (machine-readable, to take your data elsewhere)"),
    "csv": N_("CSV (one file per kind of record, for spreadsheets)"),
    "html": N_("HTML report (readable, with the policy's explanations)"),
}


def create() -> None:
    @ui.page("/exports")
    async def exports_page(request: Request) -> None:
        with frame(request, _("Export your data"), active="nav-exports") as principal:
            if not principal.is_customer:
                ui.label(_("Staff accounts have no data to export.")).classes(theme.MUTED)
                return
            view = _ExportsView(principal, request.client.host if request.client else "unknown")
            view.chooser()
            await view.load()
            view.listing()
            # An export becomes ready when a worker (perhaps in another process) writes it: refreshed on that write.
            on_change(exports.LIST_TABLES, view.poll)


class _ExportsView:
    def __init__(self, principal: Principal, client: str) -> None:
        self.principal, self.client = principal, client  # the client: wrong passwords in a step-up count per address
        self.items: list[exports.ExportView] = []
        # One key per rendered form and choice: ten quick clicks file one export, and the repeats say so.
        self.form_id = uuid.uuid4().hex
        self.filed: dict[str, int] = {}
        self.allowance: export_allowance.Allowance | None = None

    def chooser(self) -> None:
        catalogue = get_catalogue()
        with tid(ui.card(), "export-chooser").classes(theme.CARD):
            ui.label(_("What to include")).classes(theme.SUBHEADING)
            with ui.row().classes("gap-4 flex-wrap"):
                self.categories = {
                    key: tid(ui.checkbox(c.title, value=True), f"export-category-{key}")
                    for key, c in catalogue.categories.items()
                }
            ui.label(_("Formats")).classes(theme.SUBHEADING)
            with ui.column().classes("gap-0"):
                self.formats = {
                    key: tid(ui.checkbox(_(label), value=key == "json"), f"export-format-{key}")
                    for key, label in FORMAT_LABELS.items()
                }
            self.allowance_line()
            self.error = tid(ui.label(""), "export-error").classes("text-negative text-sm").props('role="alert"')
            with ui.row().classes("gap-2"):
                tid(ui.button(_("Preview"), icon="visibility", on_click=self.preview), "export-preview-button").props(
                    "no-caps outline"
                )
                tid(ui.button(_("Request export"), icon="archive", on_click=self.request), "export-request").props(
                    "no-caps unelevated"
                )
            self.preview_area = tid(ui.column().classes("w-full gap-2"), "export-preview")

    @ui.refreshable_method
    def allowance_line(self) -> None:
        allowance = self.allowance
        if allowance is None or allowance.left is None:
            return
        per_day = format_number(allowance.per_day)
        if allowance.left:
            text = ngettext(
                "You can ask for {count} more export today ({per_day} in any 24 hours). A deleted export still "
                "counts: the limit spares our servers building the same data again and again.",
                "You can ask for {count} more exports today ({per_day} in any 24 hours). A deleted export still "
                "counts: the limit spares our servers building the same data again and again.",
                allowance.left,
            ).format(count=format_number(allowance.left), per_day=per_day)
        elif allowance.next_free_at:
            text = _(
                "You have asked for {per_day} exports in the last 24 hours, as many as we build in a day "
                "(deleted ones count too). You can ask for the next one after {when}."
            ).format(per_day=per_day, when=format_datetime(allowance.next_free_at))
        else:
            text = _(
                "You have asked for {per_day} exports in the last 24 hours, as many as we build in a day "
                "(deleted ones count too). You can ask for the next one after tomorrow."
            ).format(per_day=per_day)
        tid(ui.label(text), "export-allowance").classes(theme.MUTED)

    def _choice(self) -> tuple[list[str], list[str]]:
        return (
            [k for k, box in self.categories.items() if box.value],
            [k for k, box in self.formats.items() if box.value],
        )

    async def preview(self) -> None:
        categories, formats = self._choice()
        self.error.text = ""
        try:
            result = await io_bound(exports.preview, self.principal, categories, formats)
        except exports.ExportError as problem:
            self.error.text = str(problem)
            return
        assert result is not None
        self.preview_area.clear()
        with self.preview_area:
            tid(
                ui.label(
                    _("{records}, about {size} as a ZIP").format(
                        records=format_count(result["records"]), size=format_bytes(result["estimated_bytes"])
                    )
                ),
                "export-estimate",
            ).classes("font-medium")
            for key, kinds in result["categories"].items():
                ui.label(get_catalogue().categories[key].title).classes("text-sm font-semibold")
                for entry in kinds:
                    kind = entry["kind"]
                    columns = [{"name": f.key, "label": f.label, "field": f.key, "align": "left"} for f in kind.fields]
                    rows = [
                        {
                            "_id": r["_id"],
                            **{f.key: format_value(f.display, r.get(f.key), r, in_table=True) for f in kind.fields},
                        }
                        for r in entry["rows"]
                    ]
                    ui.label(
                        _("{kind}: first {shown} of {total}").format(
                            kind=kind.title, shown=format_number(len(rows)), total=format_number(entry["total"])
                        )
                    ).classes(theme.MUTED)
                    if rows:
                        ui.table(columns=columns, rows=rows, row_key="_id").props(
                            "dense flat bordered hide-bottom"
                        ).classes("w-full")

    async def request(self) -> None:
        categories, formats = self._choice()
        self.error.text = ""
        choice = hashlib.sha256(f"{sorted(categories)}{sorted(formats)}".encode()).hexdigest()[:16]
        key = f"export-{self.form_id}-{choice}"
        try:
            request_id = await io_bound(
                exports.request_export, self.principal, categories=categories, formats=formats, idempotency_key=key
            )
        except exports.ExportError as problem:
            self.error.text = str(problem)
            return
        if request_id is None:
            return
        if key in self.filed:
            ui.notify(
                _("This export is already requested (#{number}): it is in the list below.").format(number=request_id),
                type="info",
            )
            return
        self.filed[key] = request_id
        ui.notify(_("Export requested. You can leave this page; we will tell you when it is ready."), type="positive")
        self.preview_area.clear()  # the preview was for choosing; the export's progress is what matters now
        await self.load()
        self.listing.refresh()
        # The list is below the chooser: bring the new row, with its progress, into view.
        row = json.dumps(f'[data-testid="export-row-{request_id}"]')
        ui.run_javascript(
            f"setTimeout(() => document.querySelector({row})?.scrollIntoView({{behavior: 'smooth', block: 'center'}}),"
            " 100)"
        )

    async def load(self) -> None:
        self.items = await io_bound(exports.list_exports, self.principal) or []
        self.allowance = await io_bound(export_allowance.allowance, self.principal)
        self.allowance_line.refresh()

    async def poll(self) -> None:
        if any(item.status not in ("completed", "rejected", "canceled") for item in self.items):
            await self.load()
            self.listing.refresh()

    @ui.refreshable_method
    def listing(self) -> None:
        with tid(ui.card(), "export-list").classes(theme.CARD):
            ui.label(_("Your exports")).classes(theme.SUBHEADING)
            if not self.items:
                tid(ui.label(_("You have not asked for an export yet.")), "export-list-empty").classes(theme.MUTED)
            for item in self.items:
                self._row(item)

    def _row(self, item: exports.ExportView) -> None:
        package = item.package
        rid = package.request_id
        with tid(ui.row(), f"export-row-{rid}").classes("w-full items-center gap-3 border-b py-2"):
            ui.label(f"#{rid}").classes("font-mono text-sm")
            titles = get_catalogue().categories
            # "JSON, CSV · Identity data, Usage data": format names are the same in every language.
            ui.label(
                _("{formats} · {categories}").format(
                    formats=", ".join(package.formats).upper(),
                    categories=", ".join(titles[key].title if key in titles else key for key in package.categories),
                )
            ).classes("text-sm grow")
            ui.label(format_datetime(package.created_at)).classes("text-xs")
            if package.deleted_at:
                tid(ui.label(pgettext("export status", "Deleted")), "export-status").classes("text-sm")
            elif item.status == "completed" and package.file_name:
                tid(
                    ui.label(_("Ready · {size}").format(size=format_bytes(package.size_bytes))), "export-status"
                ).classes("text-sm text-positive")
                if package.expires_at:  # the file is deleted then: say so before the customer is surprised
                    tid(
                        ui.label(_("until {when}").format(when=format_datetime(package.expires_at))),
                        f"export-expires-{rid}",
                    ).classes(theme.MUTED)
                if self.principal.acting is None:  # support staff never download a customer's export
                    tid(
                        ui.button(_("Download"), icon="download", on_click=lambda r=rid: self.download(r)),
                        f"export-download-{rid}",
                    ).props("no-caps unelevated dense")
                delete_words = _("Delete this export")
                tid(
                    ui.button(icon="delete", on_click=lambda r=rid: self.confirm_delete(r)), f"export-delete-{rid}"
                ).props(f'flat dense round aria-label="{delete_words}"')
            else:
                done, total = item.progress_done, max(item.progress_total, 1)
                tid(
                    ui.label(
                        _("{status} · {done} / {total} records").format(
                            status=_progress_word(item.status),
                            done=format_number(done),
                            total=format_number(item.progress_total),
                        )
                    ),
                    "export-status",
                ).classes("text-sm")
                ui.linear_progress(value=min(done / total, 1.0), show_value=False).classes("w-40")

    async def download(self, request_id: int) -> None:
        try:  # the whole of the customer's data: a fresh check first, asked for in a dialog when it is too old
            link = await with_step_up(
                self.principal, self.client, lambda: io_bound(exports.download_link, self.principal, request_id)
            )
        except exports.ExportError as problem:
            ui.notify(str(problem), type="negative")
            return
        if link:
            ui.download.from_url(str(link))

    async def confirm_delete(self, request_id: int) -> None:
        """A ready export is the customer's only copy until they ask again (which the daily limit may not allow)."""
        with tid(ui.dialog(), "export-delete-dialog") as dialog, ui.card().classes("w-[30rem] max-w-full gap-3"):
            ui.label(_("Delete export #{number}?").format(number=request_id)).classes(theme.SUBHEADING).props(
                'role="heading" aria-level="2"'
            )
            ui.label(
                _(
                    "The file is deleted at once and cannot be downloaded again. Deleting it does not give you back "
                    "one of today's exports."
                )
            ).classes("text-sm")
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button(_("Keep it"), on_click=lambda: dialog.submit(False)), "export-delete-keep").props(
                    "flat no-caps autofocus"  # the safe choice has the focus
                )
                tid(ui.button(_("Delete export"), on_click=lambda: dialog.submit(True)), "export-delete-confirm").props(
                    "color=negative no-caps unelevated"
                )
        confirmed = await dialog
        dialog.delete()
        if confirmed:
            await self.delete(request_id)

    async def delete(self, request_id: int) -> None:
        try:
            await io_bound(exports.delete_export, self.principal, request_id)
        except exports.ExportError as problem:
            ui.notify(str(problem), type="negative")
            return
        ui.notify(_("Export deleted."))
        await self.load()
        self.listing.refresh()


def _progress_word(status: str) -> str:
    """An unfinished export's status, as its row says it ("Queued · 120 / 4,000 records")."""
    words = {
        "received": pgettext("export status", "Received"),
        "verifying": pgettext("export status", "Verifying"),
        "queued": pgettext("export status", "Queued"),
        "processing": pgettext("export status", "Processing"),
        "failed": pgettext("export status", "Failed"),
        "dead_letter": pgettext("export status", "Dead_letter"),
    }
    return words.get(status, status.capitalize())
