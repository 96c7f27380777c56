"""/withdraw: withdraw consent to processing, which deletes the customer's personal data at once.

The page shows first, per category, what will be erased, what will be pseudonymised and kept (and until
when, and why), then asks for the password and an explicit yes. The erasure ends the session and the account: from
then on the page is a plain one without the portal's shell (no name, menu or counts of data that is gone), showing
the deletion receipt, its download and where to check it. The receipt never travels in an address: it is rendered in
place, on the page that asked for it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from nicegui import ui
from starlette.requests import Request

from ..i18n import _, current_time_zone, pgettext
from ..jobs import inline
from ..services.identity.principal import Principal
from ..services.rights import erasure
from . import socket_guard, theme
from .background import io_bound
from .components.public_layout import WIDE, public_page
from .components.receipt_box import receipt_box
from .components.step_up_dialog import with_step_up
from .components.testid import tid
from .formatting import format_date, format_number
from .frame import frame, leave_frame


def create() -> None:
    @ui.page("/withdraw")
    async def withdraw_page(request: Request) -> None:
        with frame(request, _("Withdraw and delete my data"), active="nav-withdraw") as principal:
            if not principal.is_customer:
                ui.label(_("Only a customer can withdraw their own consent.")).classes(theme.MUTED)
                return
            items = await io_bound(erasure.preview, principal) or []
            ui.label(
                _(
                    "You agreed that we process, transfer and manage your personal information on our websites. "
                    "If you withdraw that consent, our privacy policy promises that we delete your personal "
                    "information immediately. This is what will happen:"
                )
            ).classes("text-sm")
            _preview_table(items)
            # The erasure deletes the customer's export files too: once it has run there is nothing to hand over.
            with tid(ui.row(), "withdraw-export-first").classes("items-center gap-1 text-sm"):
                # One sentence for the translator, the link's words inside it; split around the link to show it.
                sentence = _(
                    "Want a copy of your data first? Request and download an {export} before you withdraw: "
                    "afterwards we can no longer give it to you."
                )
                before, _marker, after = sentence.partition("{export}")
                if before.strip():
                    ui.label(before.strip())
                ui.link(pgettext("link to the exports page", "export"), "/exports")
                if after.strip():
                    ui.label(after.strip())
            _confirm_form(principal, request.client.host if request.client else "unknown")


def _preview_table(items: list[erasure.PreviewItem]) -> None:
    columns = [
        {"name": n, "label": label, "field": n, "align": "left"}
        for n, label in (
            ("title", _("Category")),
            ("records", _("Records")),
            ("what", _("What happens")),
            ("why", _("Why")),
        )
    ]
    rows = []
    for item in items:
        what = (
            _("Erased")
            if item.action == "erase"
            else (
                _("Kept until {date}, no longer linked to you").format(date=_day(item.kept_until))
                if item.kept_until
                else _("Kept for the legal retention period, no longer linked to you")
            )
        )
        why = item.explanation + (
            " " + _("Legal basis: {basis}.").format(basis=item.legal_basis) if item.legal_basis else ""
        )
        rows.append(
            {
                "key": item.category,
                "title": item.title,
                "records": format_number(item.records),
                "what": what,
                "why": why,
            }
        )
    tid(ui.table(columns=columns, rows=rows, row_key="key"), "withdraw-preview").props(
        "dense flat bordered wrap-cells hide-bottom"
    ).classes("w-full")


def _day(day: date) -> str:
    """A calendar day as the reader's language writes it ("2026-09-28", "28.09.2026"): a day, so no zone moves it."""
    return format_date(datetime.combine(day, time(12), tzinfo=current_time_zone()))


def _confirm_form(principal: Principal, client: str) -> None:
    key = f"withdraw-{uuid.uuid4()}"  # one per page view: a double click files one withdrawal
    with tid(ui.card(), "withdraw-form").classes(theme.CARD + " max-w-xl"):
        ui.label(_("Confirm with your password")).classes(theme.SUBHEADING)
        password = (
            tid(ui.input(_("Password"), password=True), "withdraw-password")
            .props("outlined dense autocomplete=current-password")
            .classes("w-full")
        )
        confirmed = tid(
            ui.checkbox(_("I understand that my personal data will be deleted and that I will be signed out.")),
            "withdraw-confirm",
        )
        error = tid(ui.label(""), "withdraw-error").classes("text-negative text-sm").props('role="alert"')

        async def _withdraw() -> None:
            error.text = ""
            button.disable()
            try:
                request_id = await with_step_up(  # an account with a second factor confirms it here too
                    principal,
                    client,
                    lambda: io_bound(
                        erasure.request_withdrawal,
                        principal,
                        password=password.value or "",
                        confirmed=bool(confirmed.value),
                        idempotency_key=key,
                        client=client,
                    ),
                )
            except erasure.WithdrawalError as problem:
                error.text = str(problem)
                button.enable()
                return
            if request_id is None:  # the check was cancelled (or the app is stopping): nothing was filed
                button.enable()
                return
            page = ui.context.client
            socket_guard.end_quietly(page)  # the erasure ends the session: keep its receipt on screen
            with leave_frame(page), public_page(_("Deleting your personal data"), width=WIDE, dark_toggle=False):
                ui.spinner(size="lg")
                tid(ui.label(_("Deleting your personal data…")), "withdraw-progress").props('role="status"')
            token = await io_bound(inline.process_now, request_id)
            with leave_frame(page):
                _receipt(token)

        button = tid(
            ui.button(_("Withdraw and delete my data"), color="negative", on_click=_withdraw), "withdraw-submit"
        ).props("no-caps unelevated")


def _receipt(token: str | None) -> None:
    if not token:
        with public_page(_("Your withdrawal is being processed"), width=WIDE, dark_toggle=False):
            tid(
                ui.label(_("You have been signed out. The deletion of your personal data will complete shortly.")),
                "withdraw-pending",
            ).classes("font-medium")
        return
    with public_page(_("Your personal data has been deleted"), width=WIDE, dark_toggle=False):
        tid(ui.label(_("Your account is closed and you are signed out.")), "withdraw-done").classes(
            "font-medium text-positive"
        ).props('role="status"')
        receipt_box(token, prefix="withdraw")
