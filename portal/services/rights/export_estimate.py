"""How big an export's ZIP will be, before it is built: the parts a build writes, each weighed from real builds
(`export_sizes.py`, measured by `bench/export_sizes.py`).

The former estimate multiplied the records by a guess per format and came out twice too high (6.5 MB for a 3.1 MB
export): a record weighs 18 to 40 bytes compressed, not 40 to 55, and the report shows a long kind as its 50 latest
records, not all of them. `tests/unit/test_export_estimate.py` holds this one to within 30 % of real builds."""

from __future__ import annotations

from collections.abc import Mapping

from ...exports.report_html import RECENT, SUMMARY_ABOVE
from .export_sizes import BASE, RATES, SHARED

# A category the table does not know yet (added after the last measurement): weighed like the heaviest per record.
_UNKNOWN = {f: (0, max(rate[f][1] for rate in RATES.values())) for f in ("json", "csv", "html")}


def estimated_bytes(counts: Mapping[str, Mapping[str, int]], formats: list[str]) -> int:
    """`counts`: per chosen category, each kind's number of records; `formats`: the chosen formats."""
    total: float = SHARED + sum(BASE[f] - SHARED for f in formats)
    full_copy = "json" in formats or "csv" in formats
    for category, kinds in counts.items():
        rates = RATES.get(category, _UNKNOWN)
        records = sum(kinds.values())
        for f in formats:
            fixed, per_record = rates[f]
            if f != "html":
                total += fixed + per_record * records
                continue
            # The report shows a kind of more than SUMMARY_ABOVE records as its RECENT latest ...
            shown = sum(n if n <= SUMMARY_ABOVE else RECENT for n in kinds.values())
            total += fixed + per_record * shown
            if not full_copy:  # ... and adds its CSV, so the export still holds every record
                total += rates["csv"][1] * sum(n for n in kinds.values() if n > SUMMARY_ABOVE)
    return round(total)
