"""The reproducible randomness and the time windows every seed row generator draws from.

Apart from `generate` so that the per-kind generators in `generate` and `orders`, and the bulk usage events in
`demo`, share one definition of "this customer's stream for this kind" without importing each other.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

# Usage data is kept 395 days and technical data 180 days (catalogue retention). The demo history stays
# well inside those windows so a retention sweep run some weeks after BASE_TIME does not eat into the
# volumes the QA contract promises (e.g. grace's 5,000 technical records).
USAGE_WINDOW = timedelta(days=270)
TECHNICAL_WINDOW = timedelta(days=60)


def kind_rng(spec_seed: int, kind: str) -> random.Random:
    """An independent, reproducible stream per (customer, kind); the kind's letters fold into an int
    seed because str seeds would be fine too but an int keeps the derivation obvious."""
    return random.Random(spec_seed * 1_000_003 + sum((i + 1) * ord(c) for i, c in enumerate(kind)))


def spread(rng: random.Random, count: int, start: datetime, end: datetime) -> Iterator[datetime]:
    """`count` ascending whole-second timestamps spread evenly over [start, end) with jitter; whole
    seconds so SQLite and PostgreSQL store and return exactly the same values."""
    if count <= 0:
        return
    span = max(int((end - start).total_seconds()), count)
    slot = span / count
    for i in range(count):
        yield start + timedelta(seconds=int(slot * i + rng.random() * slot))
