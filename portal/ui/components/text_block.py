"""Static text as one element: a run of labels that no handler touches (a category's policy facts, who received
its data, the rows of a history) is built as one `ui.html` instead of one element per label and column.

NiceGUI builds every element with observable props, classes and style and registers it with the client: such runs of
labels were a large part of a page's server time (issue #24). The browser gets the markup the labels gave, with
the same classes, test ids (`data-testid`) and `data-i18n="data"` marks. The block is not sanitised again
(`sanitize=False`), so every text and attribute is escaped here, and only markup from `label` and `column` goes in.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from nicegui import ui

# NiceGUI's classes of a `ui.column`, a `ui.row` and a `ui.link`: markup lays out, and looks, as the element did.
COLUMN = "nicegui-column"
ROW = "nicegui-row row"
LINK = "nicegui-link"
SPACE = '<div class="q-space"></div>'  # Quasar's markup of `ui.space()`


def label(
    text: str, classes: str = "", *, testid: str | None = None, data: bool = False, aria_label: str | None = None
) -> str:
    """The markup of `ui.label(text).classes(classes)`, with `tid`'s test id and `data()`'s mark when asked."""
    aria = f' aria-label="{html.escape(aria_label)}"' if aria_label else ""
    return f"<div{_attributes(classes, testid, data)}{aria}>{html.escape(text, quote=False)}</div>"


def link(text: str, href: str, classes: str = "", *, testid: str | None = None) -> str:
    """The markup of `ui.link(text, href).classes(classes)` (a link within the portal: it opens in the same tab)."""
    return f'<a{_attributes(f"{LINK} {classes}", testid)} href="{html.escape(href)}">{html.escape(text)}</a>'


def grid(parts: Iterable[str], columns: str, classes: str = "") -> str:
    """The markup of `ui.grid(columns=columns).classes(classes)` holding `parts`."""
    style = f' style="grid-template-columns: {html.escape(columns)}"'
    return f"<div{_attributes(f'nicegui-grid {classes}', None)}{style}>{''.join(parts)}</div>"


def row(parts: Iterable[str], classes: str = "", *, testid: str | None = None) -> str:
    """The markup of `ui.row().classes(classes)` holding `parts`."""
    return f"<div{_attributes(f'{ROW} {classes}', testid)}>{''.join(parts)}</div>"


def column(parts: Iterable[str], classes: str = "", *, testid: str | None = None) -> str:
    """The markup of `ui.column().classes(classes)` holding `parts`."""
    return f"<div{_attributes(f'{COLUMN} {classes}', testid)}>{''.join(parts)}</div>"


def block(parts: Iterable[str], *markers: str) -> ui.html:
    """One element in place of `parts`. Its own box takes no part in the layout (`display: contents`): each part is
    laid out as the element it stands for was, with the gaps and alignment of the container it is in. `markers` are
    the test ids of the parts: a simulated user finds the block by any of them, and sees its text."""
    element = ui.html("".join(parts), sanitize=False).style("display: contents")
    return element.mark(*markers) if markers else element


def _attributes(classes: str, testid: str | None, data: bool = False) -> str:
    names = " ".join(dict.fromkeys(classes.split()))  # as NiceGUI writes an element's classes: once each, in order
    attributes = f' class="{html.escape(names)}"' if names else ""
    if testid:
        attributes += f' data-testid="{html.escape(testid)}"'
    if data:
        attributes += ' data-i18n="data"'
    return attributes
