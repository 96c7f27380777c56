"""The one layout of every page that works without signing in (sign-in, forgotten password, reset, email links,
checking a receipt) and of the page left after a withdrawal: the portal's name and one centred card, in the
browser's light or dark mode, with no navigation (there is nowhere to go without an account)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from ...i18n import _
from .. import theme
from .language_menu import language_menu, page_language
from .own_navigation import own_navigation_first
from .testid import tid

NARROW = "max-w-md"  # a form of one or two fields
WIDE = "max-w-3xl"  # text to read: a receipt and what it certifies


@contextmanager
def public_page(title: str, *, width: str = NARROW, subtitle: str = "", dark_toggle: bool = True) -> Iterator[None]:
    """Builds the layout and yields inside the card, under its heading (the page's only h1)."""
    theme.apply_colors()
    page_language()
    own_navigation_first()  # signed in already, a sign-in page's post ends the session the watcher looks at
    ui.page_title(_("{title} · Privacy Portal").format(title=title))
    # The same preference as the signed-in shell (NiceGUI's per-browser storage holds only this), so signing out at
    # night does not flash a white page.
    dark = ui.dark_mode(value=app.storage.user.get("dark", False))
    with ui.row().classes("fixed top-2 right-2 items-center gap-1 z-10"):
        language_menu(on_dark=False)
        if dark_toggle:

            def _toggle() -> None:
                dark.value = not dark.value
                app.storage.user["dark"] = dark.value

            dark_label = _("Toggle dark mode")
            tid(ui.button(icon="dark_mode", on_click=_toggle), "public-dark-toggle").props(
                f'flat round aria-label="{dark_label}"'
            )
    with ui.column().classes("w-full items-center mt-12 mb-8 gap-4 px-4").props('role="main"'):
        public_brand(subtitle)
        with ui.card().classes(f"w-full {width} p-6 gap-3"):
            ui.label(title).classes(theme.HEADING).props('role="heading" aria-level="1"')
            yield


def public_brand(subtitle: str = "") -> None:
    with ui.row().classes("items-center gap-2"):
        ui.icon("shield", size="md", color="primary").props('aria-hidden="true"')
        ui.label(_("Privacy Portal")).classes("text-3xl font-semibold")
    if subtitle:
        ui.label(subtitle).classes(theme.MUTED + " text-center")
