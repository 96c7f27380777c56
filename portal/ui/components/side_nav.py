"""The side navigation of the shell: a full drawer, or a rail of icons where the window is narrow, and the header
button that switches between the two.

Below `RAIL_BELOW` px the drawer starts as a rail (57 px instead of 240): at 1024 px the full drawer left the
tables about 290 px. The first page decides in the browser (no flash of a full drawer), from the window's width;
once someone presses the button, their choice is remembered per browser (like dark mode) and wins. In the rail
every link stays a link with its test id, its name (aria-label) and a tooltip."""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import app, ui

from ...i18n import _
from .testid import tid

RAIL_BELOW = 1280
_STORED = "nav_rail"  # app.storage.user: True (rail), False (full), absent (decided by the window's width)


@dataclass(frozen=True)
class NavItem:
    testid: str
    label: str
    icon: str
    path: str


class side_nav(ui.left_drawer):
    """The drawer with one link per item; `active` is the test id of the page's own item."""

    def __init__(self, items: list[NavItem], *, active: str, active_classes: str) -> None:
        super().__init__(value=True, bordered=True)
        self.classes("p-0").props("width=240 mini-width=57 breakpoint=700")
        stored = app.storage.user.get(_STORED)
        self.rail: bool | None = stored if isinstance(stored, bool) else None
        self._show_rail()
        navigation = _("Main navigation")
        with self, ui.list().props(f'dense padding aria-label="{navigation}"').classes("w-full"):
            for item in items:
                current = item.testid == active
                # `active` as a bare flag: Quasar marks an item only when the prop is the boolean true, and a
                # props string "active=true" hands it the text "true". aria-current tells screen readers too.
                with tid(ui.item(), item.testid).props(
                    f'clickable href="{item.path}" tag=a active-class="{active_classes}" aria-label="{item.label}"'
                    + (' active aria-current="page"' if current else "")
                ):
                    with ui.item_section().props("avatar"):
                        ui.icon(item.icon).props('aria-hidden="true"')
                    ui.item_section(item.label).classes("q-mini-drawer-hide")
                    # For the rail, where the label is hidden; a short delay keeps it out of the way in the full drawer.
                    ui.tooltip(item.label).props(":delay=600 anchor='center right' self='center left'")
        self.button = self._toggle_button()

    def _show_rail(self) -> None:
        if self.rail is None:  # evaluated by the browser as the page renders: the window's width decides
            self._props[":mini"] = f"window.innerWidth < {RAIL_BELOW}"
        else:
            self._props.pop(":mini", None)
            self._props["mini"] = self.rail
        self.update()

    def _toggle_button(self) -> ui.button:
        """The header's menu button, first in the header (after the skip link, where the shell has one)."""
        header = next(e for e in self.client.layout.default_slot.children if isinstance(e, ui.header))
        with header:
            button = tid(ui.button(icon="menu", on_click=self.toggle_rail), "header-nav-toggle")
        label = _("Show or hide the menu labels")
        button.props(f'flat round color=white aria-label="{label}"')
        skip_links = [i for i, e in enumerate(header.default_slot.children) if "skip-link" in e.classes]
        button.move(header, target_index=skip_links[0] + 1 if skip_links else 0)
        return button

    async def toggle_rail(self) -> None:
        if self.rail is None:  # still as the window's width decided: ask which that was
            width = await ui.run_javascript("window.innerWidth")
            self.rail = isinstance(width, int | float) and width < RAIL_BELOW
        self.rail = not self.rail
        app.storage.user[_STORED] = self.rail
        self._show_rail()
