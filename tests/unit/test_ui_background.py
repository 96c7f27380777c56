"""`portal.ui.background.io_bound`: NiceGUI's run.io_bound, except that cancelling it cancels the caller."""

from __future__ import annotations

import asyncio
import threading

import pytest

from portal.ui.background import io_bound


async def test_the_result_comes_back() -> None:
    assert await io_bound(lambda a, b: a + b, 40, b=2) == 42


async def test_a_cancelled_call_cancels_the_task_that_awaited_it() -> None:
    """NiceGUI 3 answers None instead; a ui.timer's loop then carried on and slept another interval, which held
    every shutdown for NiceGUI's 2 s limit."""
    started, release = threading.Event(), threading.Event()
    after_the_call: list[object] = []

    def slow() -> int:
        started.set()
        release.wait(5)
        return 42

    async def caller() -> None:
        after_the_call.append(await io_bound(slow))

    task = asyncio.create_task(caller())
    assert await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert task.cancelled() and after_the_call == [], "the caller carried on after being cancelled"
