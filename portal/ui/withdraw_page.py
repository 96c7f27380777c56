"""/withdraw: withdraw consent to processing, which deletes the customer's personal data at once.

The page shows first, per category, what will be erased, what will be pseudonymised and kept (and until
when, and why), then asks for the password and an explicit yes. The erasure ends the session and the account: from
then on the page is a plain one without the portal's shell (no name, menu or counts of data that is gone), showing
the deletion receipt, its download and where to check it. The receipt never travels in an address: it is rendered in
place, on the page that asked for it."""

from __future__ import annotations

import uuid

from nicegui import ui
from starlette.requests import Request

from ..jobs import inline
from ..services.identity.principal import Principal
from ..services.rights import erasure
from . import socket_guard, theme
from .background import io_bound
from .components.public_layout import WIDE, public_page
from .components.receipt_box import receipt_box
from .components.step_up_dialog import with_step_up
from .components.testid import tid
from .frame import frame, leave_frame


def create() -> None:
    @ui.page("/withdraw")
    async def withdraw_page(request: Request) -> None:
        with frame(request, "Withdraw and delete my data", active="nav-withdraw") as principal:
            if not principal.is_customer:
                ui.label("Only a customer can withdraw their own consent.").classes(theme.MUTED)
                return
            items = await io_bound(erasure.preview, principal) or []
            ui.label(
                "You agreed that we process, transfer and manage your personal information on our websites. "
                "If you withdraw that consent, our privacy policy promises that we delete your personal "
                "information immediately. This is what will happen:"
            ).classes("text-sm")
            _preview_table(items)
            # The erasure deletes the customer's export files too: once it has run there is nothing to hand over.
            with tid(ui.row(), "withdraw-export-first").classes("items-center gap-1 text-sm"):
                ui.label("Want a copy of your data first? Request and download an")
                ui.link("export", "/exports")
                ui.label("before you withdraw: afterwards we can no longer give it to you.")
            _confirm_form(principal, request.client.host if request.client else "unknown")


def _preview_table(items: list[erasure.PreviewItem]) -> None:
    columns = [
        {"name": n, "label": label, "field": n, "align": "left"}
        for n, label in (("title", "Category"), ("records", "Records"), ("what", "What happens"), ("why", "Why"))
    ]
    rows = []
    for item in items:
        what = (
            "Erased"
            if item.action == "erase"
            else (
                f"Kept until {item.kept_until:%Y-%m-%d}, no longer linked to you"
                if item.kept_until
                else "Kept for the legal retention period, no longer linked to you"
            )
        )
        why = item.explanation + (f" Legal basis: {item.legal_basis}." if item.legal_basis else "")
        rows.append(
            {"key": item.category, "title": item.title, "records": f"{item.records:,}", "what": what, "why": why}
        )
    tid(ui.table(columns=columns, rows=rows, row_key="key"), "withdraw-preview").props(
        "dense flat bordered wrap-cells hide-bottom"
    ).classes("w-full")


def _confirm_form(principal: Principal, client: str) -> None:
    key = f"withdraw-{uuid.uuid4()}"  # one per page view: a double click files one withdrawal
    with tid(ui.card(), "withdraw-form").classes(theme.CARD + " max-w-xl"):
        ui.label("Confirm with your password").classes(theme.SUBHEADING)
        password = (
            tid(ui.input("Password", password=True), "withdraw-password")
            .props("outlined dense autocomplete=current-password")
            .classes("w-full")
        )
        confirmed = tid(
            ui.checkbox("I understand that my personal data will be deleted and that I will be signed out."),
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
            with leave_frame(page), public_page("Deleting your personal data", width=WIDE, dark_toggle=False):
                ui.spinner(size="lg")
                tid(ui.label("Deleting your personal data…"), "withdraw-progress").props('role="status"')
            token = await io_bound(inline.process_now, request_id)
            with leave_frame(page):
                _receipt(token)

        button = tid(
            ui.button("Withdraw and delete my data", color="negative", on_click=_withdraw), "withdraw-submit"
        ).props("no-caps unelevated")


def _receipt(token: str | None) -> None:
    if not token:
        with public_page("Your withdrawal is being processed", width=WIDE, dark_toggle=False):
            tid(
                ui.label("You have been signed out. The deletion of your personal data will complete shortly."),
                "withdraw-pending",
            ).classes("font-medium")
        return
    with public_page("Your personal data has been deleted", width=WIDE, dark_toggle=False):
        tid(ui.label("Your account is closed and you are signed out."), "withdraw-done").classes(
            "font-medium text-positive"
        ).props('role="status"')
        receipt_box(token, prefix="withdraw")
