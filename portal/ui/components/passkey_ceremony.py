"""Buttons that run a passkey ceremony in the browser (`assets/passkeys.js`) straight from the click, and hand the
browser's answer to a handler on the server.

The WebAuthn call must run inside the click (Safari refuses it otherwise), so the options travel with the button,
packed as base64 (they hold the account's name and email, which may need escaping) in its client-side handler. The
answer comes back as a normal page event, so the socket guard checks the live session before it is handled."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

SCRIPT = '<script src="/assets/passkeys.js"></script>'

Answer = Callable[[dict[str, Any]], Awaitable[None]]


def load_script() -> None:
    """Every page that may run a ceremony (the sign-in pages, and every signed-in page for the step-up dialog)."""
    ui.add_head_html(SCRIPT)


def pack(options_json: str) -> str:
    return base64.b64encode(options_json.encode()).decode()


def on_ceremony(button: ui.button, *, call: str, options_json: str, on_answer: Answer) -> ui.button:
    """`call` is "register" or "prove"; `on_answer` gets the credential as JSON, or {"error": "..."}."""

    async def _answer(event: GenericEventArguments) -> None:
        answer = event.args if isinstance(event.args, dict) else {"error": "The browser gave no answer."}
        await on_answer(answer)

    packed = pack(options_json)
    return button.on("click", _answer, js_handler=f"async () => emit(await window.portalPasskeys.{call}('{packed}'))")


def on_sign_in(button: ui.button, *, options_json: str, form: ui.element, on_error: Answer) -> ui.button:
    """A sign-in button: the browser proves a passkey and posts it in `form` (a plain POST, so the session cookie
    is set by a real response); only a problem comes back to the server, to be shown."""

    async def _problem(event: GenericEventArguments) -> None:
        await on_error({"error": str(event.args)[:300]})

    packed = pack(options_json)
    handler = (
        f"async () => {{ const r = await window.portalPasskeys.signIn('{packed}', '{form.html_id}');"
        " if (r.error) emit(r.error); }"
    )
    return button.on("click", _problem, js_handler=handler)
