"""Keyboard focus around dialogs: into the dialog's first field when it opens, and back where it was when it closes.

Quasar's dialog does both on its own (the element marked `autofocus` on opening, the element that had the focus on
closing), but only when it hides itself. A dialog awaited and then deleted (`result = await dialog;
dialog.delete()`) is unmounted by the same update that closes it, so Quasar never hands the focus back and a
keyboard user lands on the top of the page. And a dialog's action often refreshes the list that held the button
which opened it: the button the focus would return to is a new element. So the focus goes back by test id."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from nicegui import ui

from ...i18n import N_

# A multi-line field keeps Enter for new lines; this sends its form, as in mail and chat programs.
SEND_KEYS = ("keydown.enter.ctrl", "keydown.enter.meta")
SEND_HINT = N_("Ctrl+Enter sends.")  # marked here; where it is shown, `_(SEND_HINT)` says it in the reader's language


def return_focus(testid: str) -> None:
    """Focus the element with `testid` again (its button or link, if it is a wrapper), or the page's main content
    when it is gone (the request it belonged to was canceled, the grant revoked). Call it after the dialog closed
    and after any refresh its action caused."""
    selector = json.dumps(f'[data-testid="{testid}"]')
    ui.run_javascript(
        "setTimeout(() => {"
        f"  const found = document.querySelector({selector});"
        "  const focusable = found && (found.matches('button, a, input, textarea, [tabindex]') ? found"
        "    : found.querySelector('button, a, input, textarea, [tabindex]'));"
        "  (focusable || document.querySelector('[role=main]'))?.focus();"
        "}, 50)"
    )


def on_send(field: ui.textarea | ui.input, handler: Callable[..., Any]) -> None:
    """Ctrl+Enter (Cmd+Enter on a Mac) in a multi-line field sends its form."""
    for key in SEND_KEYS:
        field.on(key, handler)
