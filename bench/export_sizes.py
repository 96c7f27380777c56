"""Calibrates the export size estimate from real builds of the demo customers' exports.

    python bench/export_sizes.py            # measure and print the table
    python bench/export_sizes.py --write    # ... and write it to portal/services/rights/export_sizes.py

Seeds the demo data in a throw-away data directory and builds, with the portal's own builder, for each demo customer:
one export per format with no category (the part every export has: the portal's own records about the customer, the
report's frame, the manifest), one with all three formats and no category (to tell the manifest and its signature,
written once per export, from the rest), and one per category and format. From these it fits, per category and
format, bytes = fixed + per_record x records (least squares over the customers); HTML only over kinds the report
shows in full (a kind of more than 200 records is summarised to its 50 latest, and its CSV added when neither JSON
nor CSV was chosen). The estimate (`export_estimate.py`) adds up the same parts. Not a pytest test; the unit test
`tests/unit/test_export_estimate.py` holds the estimate to within 30 % of real builds.

About 45 s. Run it again when the writers, the report or the demo data change what a record weighs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = ROOT / "portal" / "services" / "rights" / "export_sizes.py"
CUSTOMERS = {"ada": 1, "grace": 2, "linus": 3, "margaret": 4}
FORMATS = ("json", "csv", "html")


def _fit(points: list[tuple[int, int]]) -> tuple[int, float]:
    """Least squares of bytes = fixed + rate x records; with one distinct record count, a rate through zero."""
    xs = [x for x, _ in points]
    if len(set(xs)) < 2:
        return 0, round(statistics.fmean(y / max(x, 1) for x, y in points), 1)
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(y for _, y in points)
    rate = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x in xs)
    fixed = mean_y - rate * mean_x
    if fixed < 0:  # a negative fixed part is noise: through zero instead
        return 0, round(sum(y for _, y in points) / max(sum(xs), 1), 1)
    return round(fixed), round(rate, 1)


def measure(data_dir: Path) -> dict[str, object]:
    for key in [k for k in os.environ if k.startswith(("PORTAL_", "NICEGUI_")) or k == "DATABASE_URL"]:
        os.environ.pop(key)
    os.environ.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_MODE="demo")
    from portal.catalogue import get_catalogue
    from portal.categories import get_registry
    from portal.db import get_engine, migrate, session_scope
    from portal.exports.builder import Extras, build
    from portal.exports.report_html import SUMMARY_ABOVE
    from portal.seed.demo import seed_demo
    from portal.services.rights import portal_records

    engine = get_engine()
    migrate.upgrade(engine)
    seed_demo(engine=engine)
    categories = list(get_catalogue().categories)
    built = [0]

    def size(customer: int, chosen: list[str], formats: list[str]) -> int:
        built[0] += 1
        result = build(
            engine,
            directory=data_dir / "exports",
            customer_id=customer,
            request_id=built[0],
            categories=chosen,
            formats=formats,
            total_hint=0,
            extras=Extras(sections=portal_records.sections_for(customer)),
        )
        (data_dir / "exports" / result.file_name).unlink()
        return result.size_bytes

    bases: dict[str, list[int]] = {f: [] for f in FORMATS}
    shared: list[int] = []
    points: dict[str, dict[str, list[tuple[int, int]]]] = {c: {f: [] for f in FORMATS} for c in categories}
    for name, customer in CUSTOMERS.items():
        with session_scope() as session:
            counts = get_registry().summaries(session, customer_id=customer)
        base = {f: size(customer, [], [f]) for f in FORMATS}
        together = size(customer, [], list(FORMATS))
        shared.append((sum(base.values()) - together) // (len(FORMATS) - 1))
        for f in FORMATS:
            bases[f].append(base[f])
        for key in categories:
            records = sum(s.count for s in counts[key])
            in_full = all(s.count <= SUMMARY_ABOVE for s in counts[key])
            for f in FORMATS:
                if f == "html" and not in_full:
                    continue  # summarised: the estimate counts the 50 shown and the CSV added, not this
                points[key][f].append((records, size(customer, [key], [f]) - base[f]))
        print(f"  measured {name}: {built[0]} builds so far", flush=True)
    return {
        "shared": round(statistics.fmean(shared)),
        "base": {f: round(statistics.fmean(values)) for f, values in bases.items()},
        "rates": {key: {f: _fit(points[key][f]) for f in FORMATS} for key in categories},
    }


def render(table: dict[str, object]) -> str:
    rates = table["rates"]
    assert isinstance(rates, dict)
    lines = [
        '"""What exports weigh, measured from real builds of the demo customers\' exports by `bench/export_sizes.py`',
        f'on {datetime.now(UTC):%Y-%m-%d}; written by it (`--write`), not by hand. Bytes of the ZIP."""',
        "",
        "# Once per export: manifest.json and its signature.",
        f"SHARED = {table['shared']}",
        "# Per format, with no category chosen: the portal's own records about the customer, the report's frame.",
        f"BASE = {_literal(table['base'])}",
        "# Per category and format: (fixed bytes, bytes per record); HTML per record the report shows in full.",
        "RATES: dict[str, dict[str, tuple[int, float]]] = {",
        *(f'    "{key}": {_literal(value)},' for key, value in rates.items()),
        "}",
        "",
    ]
    return "\n".join(lines)


def _literal(mapping: object) -> str:
    """A dict as ruff formats it on one line (double quotes), so the written file passes `ruff format --check`."""
    assert isinstance(mapping, dict)
    return "{" + ", ".join(f'"{key}": {value!r}' for key, value in mapping.items()) + "}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write the table to {TARGET.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away data directory")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="portal-export-sizes-"))
    try:
        text = render(measure(data_dir))
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(text)
    if args.write:
        TARGET.write_text(text)
        print(f"written to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
