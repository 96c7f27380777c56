"""The wake-up signal between whoever queues work and an in-process worker.

Apart because filing, transitions and the worker loop all touch it, and none of them should own it."""

from __future__ import annotations

import threading

# Set whenever work is queued, so an in-process worker wakes at once instead of at its next poll.
work_available = threading.Event()
