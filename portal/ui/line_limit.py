"""A log line budget: what a browser may make the server write is capped, so a client cannot flood the log."""

from __future__ import annotations

import time


class LineLimit:
    """At most `per_minute` lines a minute; the rest are counted and summed up in the next line written."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.window_start = 0.0
        self.written = 0
        self.suppressed = 0

    def allow(self, now: float | None = None) -> tuple[bool, int]:
        now = time.monotonic() if now is None else now
        if now - self.window_start >= 60:
            self.window_start, self.written = now, 0
        if self.written >= self.per_minute:
            self.suppressed += 1
            return False, 0
        self.written += 1
        suppressed, self.suppressed = self.suppressed, 0
        return True, suppressed
