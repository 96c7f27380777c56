"""`python -m portal.seed`: load the demo data into the configured database (left alone if it has any account).

The portal's first start on a new demo database runs this as a child process: seeding builds some 60,000 rows,
and a Python process keeps the memory it peaked at, so seeding in the serving process would leave it about 70 MB
larger for as long as it runs (bench/README.md, page_cost)."""

from __future__ import annotations

from ..db import get_engine
from .demo import seed_demo

seed_demo(engine=get_engine())
