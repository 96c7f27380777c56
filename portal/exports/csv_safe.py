"""CSV that a spreadsheet cannot be tricked into running (OWASP "CSV injection").

A cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by Excel, LibreOffice and
Google Sheets: `=HYPERLINK(...)` typed into an address (or planted by an agent under a "help" grant) would run
in the customer's spreadsheet. Such text cells get a leading apostrophe, which spreadsheets show as text and
hide. Only text is touched (numbers stay numbers); the JSON export keeps every value exactly as stored.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows([neutralise(value) for value in row] for row in rows)
