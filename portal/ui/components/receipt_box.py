"""A signed deletion receipt on screen: a download link and the receipt's text, rendered from what it certifies."""

from __future__ import annotations

import base64

from nicegui import ui

from ...i18n import _
from ...services.rights import receipts
from .testid import tid


def receipt_box(token: str, *, prefix: str) -> None:
    text = receipts.as_text(token)
    ui.label(
        _(
            "Keep your deletion receipt: download it before you leave this page. It is signed, and anyone can check "
            "it at {address}."
        ).format(address="/receipts/verify")
    ).classes("text-sm")
    # A plain download link, not a server event: after a withdrawal the session has ended and the guard refuses
    # the page's events, and the file needs no round trip anyway.
    href = "data:text/plain;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()
    tid(ui.button(_("Download deletion receipt"), icon="download"), f"{prefix}-receipt-download").props(
        f'no-caps unelevated type=a href="{href}" download="deletion-receipt.txt"'
    )
    # Wrapped, not scrolled: the signed token is one 600-character line and must stay readable and copyable.
    tid(ui.label(text), f"{prefix}-receipt").classes(
        "w-full text-xs font-mono whitespace-pre-wrap p-3 rounded bg-gray-50 dark:bg-slate-800"
    ).style("overflow-wrap: anywhere")
    # A new tab: this page is the only place the receipt is shown, and leaving it would lose it.
    tid(ui.link(_("Check a receipt (opens a new tab)"), "/receipts/verify", new_tab=True), f"{prefix}-receipt-check")
