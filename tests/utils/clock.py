"""A clock that moves only when the test moves it: injected where production code takes "now" from a callable
(e.g. `Worker(..., clock=...)`), so a test about back-off or leases never depends on how fast the machine is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class ManualClock:
    """Starts at the wall clock's now (so it agrees with rows other code stamps with the real time) and then
    stands still until `advance` or `advance_to`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def advance_to(self, moment: datetime) -> datetime:
        """Move forward to `moment` (never back)."""
        self.now = max(self.now, moment)
        return self.now


def shift_portal_clock(monkeypatch: pytest.MonkeyPatch, delta: timedelta) -> None:
    """From now on until the test ends, every portal module that takes the time from `portal.models.types.utcnow`
    sees the wall clock plus `delta`: time "passes" for the code under test without the test sleeping (for the
    service modules that do not take a clock of their own)."""
    import sys

    from portal.models import types

    wall = types.utcnow

    def shifted() -> datetime:
        return wall() + delta

    for name, module in list(sys.modules.items()):
        if (name == "portal" or name.startswith("portal.")) and getattr(module, "utcnow", None) is wall:
            monkeypatch.setattr(module, "utcnow", shifted)


def freeze_portal_clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    """Until the test ends, every portal module that takes the time from `portal.models.types.utcnow` reads `at`: two
    runs of the same steps write the same times (a worker's own clock is passed to it: `Worker(..., clock=...)`).
    Modules imported after the call still see the wall clock: import what the test runs first."""
    import sys

    from portal.models import types

    wall = types.utcnow
    for name, module in list(sys.modules.items()):
        if (name == "portal" or name.startswith("portal.")) and getattr(module, "utcnow", None) is wall:
            monkeypatch.setattr(module, "utcnow", lambda: at)
