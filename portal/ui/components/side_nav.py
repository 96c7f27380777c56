"""The side navigation of the shell: a full drawer, or a rail of icons where the window is narrow, and the header
button that switches between the two.

Below `RAIL_BELOW` px the drawer starts as a rail (57 px instead of 240): at 1024 px the full drawer left the
tables about 290 px. The first page decides in the browser (no flash of a full drawer), from the window's width;
once someone presses the button, their choice is remembered per browser (like dark mode) and wins. In the rail
every link stays a link with its test id, its name (aria-label) and a tooltip.

The links are one NiceGUI element (`NavList`, rendered by nav_list.js in the browser from the items as data): built
as an element per item, section, icon and tooltip, ~60 of them, they cost more than half the shell's server time
on every page view."""

from __future__ import annotations

from dataclasses import asdict, dataclass

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


class NavList(ui.element, component="nav_list.js"):
    """The navigation's links as one element: a real link (`<a href>`) per item with its test id, its name
    (aria-label), an icon hidden from screen readers, a label the rail hides and a tooltip for the rail; the page's
    own item is Quasar's `active` (with `active_classes`) and aria-current="page". The element carries a NiceGUI
    marker per item, so `user.should_see(marker="nav-consents")` still means "the navigation offers this link"."""

    def __init__(self, items: list[NavItem], *, active: str, active_classes: str, label: str) -> None:
        super().__init__()
        self._props["items"] = [asdict(item) for item in items]
        self._props["active"] = active
        self._props["active-class"] = active_classes
        self._props["aria-label"] = label
        self.mark(*(item.testid for item in items))


class side_nav(ui.left_drawer):
    """The drawer with one link per item; `active` is the test id of the page's own item."""

    def __init__(self, items: list[NavItem], *, active: str, active_classes: str) -> None:
        super().__init__(value=True, bordered=True)
        self.classes("p-0").props("width=240 mini-width=57 breakpoint=700")
        stored = app.storage.user.get(_STORED)
        self.rail: bool | None = stored if isinstance(stored, bool) else None
        self._show_rail()
        with self:
            NavList(items, active=active, active_classes=active_classes, label=_("Main navigation")).classes("w-full")
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
