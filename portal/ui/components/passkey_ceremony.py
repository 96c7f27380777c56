"""Buttons that run a passkey ceremony in the browser (`assets/passkeys.js`) straight from the click, and hand the
browser's answer to a handler on the server.

The WebAuthn call must run inside the click (Safari refuses it otherwise), so the options travel with the button,
packed as base64 (they hold the account's name and email, which may need escaping) in its client-side handler. The
answer comes back as a normal page event, so the socket guard checks the live session before it is handled."""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

from ...i18n import N_, _

SCRIPT = '<script src="/assets/passkeys.js"></script>'

Answer = Callable[[dict[str, Any]], Awaitable[None]]

# What assets/passkeys.js answers when a ceremony fails, in English: said here again in the reader's language, so the
# script needs no catalogue of its own (an answer it gives in other words is shown as it came).
_BROWSER_PROBLEMS = (
    N_("The passkey request was cancelled or timed out."),
    N_("This device already holds a passkey for your account."),
    N_("This browser cannot use passkeys (or the page is not on a secure address)."),
)
_WRONG_ADDRESS = re.compile(r"Passkeys work only at the portal's own address \((.*)\); open the portal there\.")
_UNUSABLE = re.compile(r"The browser could not use a passkey \((.*)\)\.")


def in_words(error: str) -> str:
    """The browser script's answer, in the reader's language."""
    if error in _BROWSER_PROBLEMS:
        return _(error)
    if match := _WRONG_ADDRESS.fullmatch(error):
        return _("Passkeys work only at the portal's own address ({address}); open the portal there.").format(
            address=match[1]
        )
    if match := _UNUSABLE.fullmatch(error):
        return _("The browser could not use a passkey ({name}).").format(name=match[1])
    return error


def load_script() -> None:
    """Every page that may run a ceremony (the sign-in pages, and every signed-in page for the step-up dialog)."""
    ui.add_head_html(SCRIPT)


def pack(options_json: str) -> str:
    return base64.b64encode(options_json.encode()).decode()


def on_ceremony(button: ui.button, *, call: str, options_json: str, on_answer: Answer) -> ui.button:
    """`call` is "register" or "prove"; `on_answer` gets the credential as JSON, or {"error": "..."}."""

    async def _answer(event: GenericEventArguments) -> None:
        answer = event.args if isinstance(event.args, dict) else {"error": _("The browser gave no answer.")}
        if "error" in answer:
            answer = {**answer, "error": in_words(str(answer["error"]))}
        await on_answer(answer)

    packed = pack(options_json)
    return button.on("click", _answer, js_handler=f"async () => emit(await window.portalPasskeys.{call}('{packed}'))")


def on_sign_in(button: ui.button, *, options_json: str, form: ui.element, on_error: Answer) -> ui.button:
    """A sign-in button: the browser proves a passkey and posts it in `form` (a plain POST, so the session cookie
    is set by a real response); only a problem comes back to the server, to be shown."""

    async def _problem(event: GenericEventArguments) -> None:
        await on_error({"error": in_words(str(event.args)[:300])})

    packed = pack(options_json)
    handler = (
        f"async () => {{ const r = await window.portalPasskeys.signIn('{packed}', '{form.html_id}');"
        " if (r.error) emit(r.error); }"
    )
    return button.on("click", _problem, js_handler=handler)
