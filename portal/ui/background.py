"""Running blocking service calls off the event loop, and letting them be cancelled."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from nicegui import run

P = ParamSpec("P")
R = TypeVar("R")


async def io_bound(callback: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """`run.io_bound`, except that a cancelled call raises CancelledError, as NiceGUI 4.0 will.

    NiceGUI 3 answers None instead, so a cancelled task carries on: a `ui.timer` whose callback was cancelled at
    shutdown went on to sleep one more interval, and every shutdown (of the app, and of each UI test) waited for
    NiceGUI's 2 s limit. None still means what it meant: the app is stopping and the call did not run."""
    # The call runs in the caller's context: the language and time zone of the page (portal.i18n.context) go with
    # it, so a service's message or a formatted time comes back in the reader's language. A thread pool does not
    # carry context variables by itself.
    context = contextvars.copy_context()
    result = await run.io_bound(functools.partial(context.run, callback, *args, **kwargs))
    task = asyncio.current_task()
    if result is None and task is not None and task.cancelling():
        raise asyncio.CancelledError
    return result
