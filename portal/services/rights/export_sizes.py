"""What exports weigh, measured from real builds of the demo customers' exports by `bench/export_sizes.py`
on 2026-12-07; written by it (`--write`), not by hand. Bytes of the ZIP."""

# Once per export: manifest.json and its signature.
SHARED = 5659
# Per format, with no category chosen: the portal's own records about the customer, the report's frame.
BASE = {"json": 9207, "csv": 12245, "html": 14193}
# Per category and format: (fixed bytes, bytes per record); HTML per record the report shows in full.
RATES: dict[str, dict[str, tuple[int, float]]] = {
    "registration": {"json": (0, 410.2), "csv": (0, 352.0), "html": (0, 385.5)},
    "identity": {"json": (0, 535.8), "csv": (0, 395.8), "html": (0, 498.2)},
    "financial": {"json": (403, 43.1), "csv": (589, 37.5), "html": (393, 41.1)},
    "transaction": {"json": (1397, 35.0), "csv": (2374, 28.7), "html": (1259, 28.5)},
    "usage": {"json": (828, 20.9), "csv": (577, 18.3), "html": (675, 18.2)},
    "technical": {"json": (1043, 17.8), "csv": (1315, 16.1), "html": (494, 37.3)},
}
