"""Pages that work without signing in: confirming an email change, and checking a deletion receipt."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..i18n import _
from ..services.identity import email_change_security, tokens
from ..services.rights import receipts, rectification
from . import theme
from .background import io_bound
from .components.public_layout import WIDE, public_page
from .components.testid import tid


def create() -> None:
    @ui.page("/confirm-email")
    async def confirm_email_page(request: Request, token: str = "") -> None:
        principal = getattr(request.state, "principal", None)
        with public_page(_("Confirm your new email address")):
            try:
                message = await io_bound(
                    rectification.confirm_email_change,
                    token,
                    signed_in_account=principal.account_id if principal else None,
                )
                if message is not None:  # None: the app is shutting down and the call did not run
                    tid(ui.label(message), "confirm-email-result").classes("text-positive font-medium").props(
                        'role="status"'
                    )
            except tokens.TokenError as problem:
                tid(ui.label(str(problem)), "confirm-email-result").classes("text-negative font-medium").props(
                    'role="alert"'
                )
            ui.link(_("Go to the privacy portal"), "/")

    @ui.page("/cancel-email-change")
    async def cancel_email_change_page(request: Request, token: str = "") -> None:
        """The link in the notice to the previous address. Opening it changes nothing (mail scanners open links);
        the button does."""
        client = request.client.host if request.client else "unknown"
        with public_page(_("Stop the change of your sign-in address")):
            await _cancel_email_change(token, client)

    @ui.page("/receipts/verify")
    def verify_receipt_page() -> None:
        with public_page(_("Check a deletion receipt"), width=WIDE):
            _receipt_checker()


async def _cancel_email_change(token: str, client: str) -> None:
    try:
        new_email = await io_bound(email_change_security.check_cancel_link, token)
    except tokens.TokenError as problem:
        tid(ui.label(str(problem)), "cancel-email-result").classes("text-negative font-medium").props('role="alert"')
        return
    ui.label(
        _(
            "Someone asked to change the sign-in address of your account to {email}. If it wasn't you, stop it "
            "here: every session on your account is signed out too."
        ).format(email=new_email)
    )
    result = tid(ui.label(""), "cancel-email-result").classes("font-medium").props('role="status"')

    async def _stop() -> None:
        button.disable()
        try:
            result.text = await io_bound(email_change_security.cancel_email_change, token, client=client) or ""
            result.classes(replace="font-medium text-positive")
            button.set_visibility(False)
        except tokens.TokenError as problem:
            result.text = str(problem)
            result.classes(replace="font-medium text-negative")
            button.enable()

    button = tid(
        ui.button(_("Stop the change and sign out everywhere"), color="negative", on_click=_stop),
        "cancel-email-submit",
    ).props("no-caps unelevated")
    ui.link(_("Forgot your password?"), "/forgot-password")


def _receipt_checker() -> None:
    ui.label(_("Paste the receipt file's text (or just the line starting with RECEIPT:).")).classes(theme.MUTED)
    text = tid(ui.textarea(_("Receipt")), "receipt-input").props("outlined").classes("w-full")
    result = tid(ui.label(""), "receipt-verify-result").classes("font-medium").props('role="status"')
    details = tid(ui.column().classes("gap-0 w-full"), "receipt-verify-details")

    def _show(check: receipts.ReceiptCheck) -> None:
        result.text = check.message
        tone = "text-negative" if not check.genuine else "text-warning" if check.not_certified else "text-positive"
        result.classes(replace=f"font-medium {tone}")  # amber: genuine, but pasted text it does not certify
        details.clear()
        if check.genuine and check.data:  # what the signature covers, rendered from it alone
            with details:
                ui.label(_("What this receipt certifies (from its signature):")).classes("text-sm font-medium")
                for line in receipts.readable_lines(check.data):
                    ui.label(line).classes("text-sm font-mono whitespace-pre-wrap break-words")
                if check.not_certified:
                    with tid(ui.column().classes("gap-0 mt-2 p-2 border-l-4 border-red-600"), "receipt-not-certified"):
                        ui.label(_("Pasted with it, but NOT certified by the signature:")).classes(
                            "text-sm font-medium text-negative"
                        )
                        for line in check.not_certified:
                            ui.label(line).classes("text-sm font-mono line-through")

    async def _check() -> None:
        check = await io_bound(receipts.verify, text.value or "")
        if check is not None:  # None: the app is shutting down and the call did not run
            _show(check)

    with ui.row().classes("items-center gap-4"):
        tid(ui.button(_("Check receipt"), on_click=_check), "receipt-verify").props("no-caps unelevated")
        ui.link(_("Go to the privacy portal"), "/").classes("text-sm")
