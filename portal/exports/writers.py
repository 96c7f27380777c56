"""Format writers for the export ZIP: JSON (portability) and CSV (one file per kind or section); the report for
people is `report_html`.

Each writer streams records into an open ZIP entry, so memory stays flat whatever the history size. Keys and values
are data and stay as stored; only a CSV's header row is in the customer's language (`csv_header`)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import IO, Any

from ..catalogue import Catalogue, Category, RecordKind
from ..i18n import DEFAULT_LOCALE, _, current_locale
from .csv_safe import SafeWriter

FORMATS = ("json", "csv", "html")


class HashingWriter:
    """A text sink over a binary ZIP entry that also feeds a SHA-256 of the bytes written."""

    def __init__(self, raw: IO[bytes], digest: Any) -> None:
        self.raw = raw
        self.digest = digest
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.raw.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(text)


EntryWriter = Callable[[HashingWriter], int]  # writes one ZIP entry, returns how many records it holds


def policy_block(catalogue: Catalogue, category: Category) -> dict[str, Any]:
    """What the policy says about a category: the same words the portal shows beside the data."""
    basis = catalogue.legal_bases[category.legal_basis]
    return {
        "title": category.title,
        "policy_text": category.policy_text,
        "purposes": [catalogue.purposes[p].title for p in category.purposes],
        "legal_basis": f"{basis.title} ({basis.reference})",
        "retention": category.retention.description,
        "recipients": [catalogue.recipients[r].label for r in category.recipients],
        "source": category.source,
        "on_withdrawal": category.on_withdrawal.explanation,
    }


def json_kind(out: HashingWriter, batches: Iterable[list[dict[str, Any]]]) -> int:
    """Writes a JSON array of records; returns how many."""
    count = 0
    out.write("[")
    for batch in batches:
        for record in batch:
            out.write(("," if count else "") + "\n    " + json.dumps(record, ensure_ascii=False, default=json_value))
            count += 1
    out.write("\n  ]" if count else "]")
    return count


def json_value(value: Any) -> Any:
    """What json cannot write itself: times as ISO 8601 (they are UTC), anything else as text."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def csv_header(keys: Sequence[str], labels: Sequence[str]) -> list[str]:
    """A CSV's first row. In English, the column keys: what docs/export-format.md documents, the same as data.json's
    keys. In any other language, the columns' names in that language (`labels`, translated by the caller): a
    spreadsheet's header is read by people, and the keys are still in data.json for programs."""
    return list(keys) if current_locale() == DEFAULT_LOCALE else list(labels)


def csv_kind(out: HashingWriter, kind: RecordKind, batches: Iterable[list[dict[str, Any]]]) -> int:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)  # cells a spreadsheet would run as formulas get a leading apostrophe
    columns = ["id", *(f.key for f in kind.fields)]
    # The field labels come from the policy catalogue, in the language it is read in.
    writer.writerow(csv_header(columns, [_("Record id"), *(f.label for f in kind.fields)]))
    count = 0
    pick = itemgetter(*columns)  # csv writes None as an empty field
    for batch in batches:
        writer.writerows(map(pick, batch))
        count += len(batch)
        out.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue())
    return count


def csv_section(
    out: HashingWriter,
    columns: Sequence[str],
    batches: Iterable[list[dict[str, Any]]],
    *,
    labels: Sequence[str] | None = None,
) -> int:
    """A portal record section as CSV: its header (`csv_header`: the column keys, or the translated `labels`), then
    one row per record (times ISO 8601, lists joined)."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(csv_header(columns, columns if labels is None else labels))
    count = 0
    for batch in batches:
        writer.writerows([_csv_cell(record.get(c)) for c in columns] for record in batch)
        count += len(batch)
        out.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue())
    return count


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return value
