"""A folding section whose toggle a screen reader names in the reader's language.

Quasar names the toggle from its own English language pack ('Expand "…"'); the portal speaks the reader's."""

from __future__ import annotations

import html

from nicegui import ui

from ...i18n import _


def expansion(text: str, *, icon: str | None = None) -> ui.expansion:
    folding = ui.expansion(text, icon=icon)
    label = html.escape(_("Show or hide: {section}").format(section=text))
    return folding.props(f'toggle-aria-label="{label}"')
