"""Format writers for the export ZIP: JSON (portability), CSV (one file per kind), HTML (for people).

Each writer streams records into an open ZIP entry, so memory stays flat whatever the history size."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterable
from operator import itemgetter
from typing import IO, Any

from ..catalogue import Catalogue, Category, RecordKind
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


def policy_block(catalogue: Catalogue, category: Category) -> dict[str, Any]:
    """What the policy says about a category: the same words the portal shows beside the data."""
    basis = catalogue.legal_bases[category.legal_basis]
    return {
        "title": category.title,
        "policy_text": category.policy_text,
        "purposes": [catalogue.purposes[p].title for p in category.purposes],
        "legal_basis": f"{basis.title} ({basis.reference})",
        "retention": category.retention.description,
        "recipients": [f"{catalogue.recipients[r].name} ({catalogue.recipients[r].role})" for r in category.recipients],
        "source": category.source,
        "on_withdrawal": category.on_withdrawal.explanation,
    }


def json_kind(out: HashingWriter, batches: Iterable[list[dict[str, Any]]]) -> int:
    """Writes a JSON array of records; returns how many."""
    count = 0
    out.write("[")
    for batch in batches:
        for record in batch:
            out.write(("," if count else "") + "\n    " + json.dumps(record, ensure_ascii=False, default=str))
            count += 1
    out.write("\n  ]" if count else "]")
    return count


def csv_kind(out: HashingWriter, kind: RecordKind, batches: Iterable[list[dict[str, Any]]]) -> int:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)  # cells a spreadsheet would run as formulas get a leading apostrophe
    columns = ["id", *(f.key for f in kind.fields)]
    writer.writerow(columns)
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


def html_header(out: HashingWriter, *, customer_id: int, request_id: int, catalogue: Catalogue, generated: str) -> None:
    out.write(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Your personal data</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;"
        "font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}"
        "dt{font-weight:600;margin-top:.4rem}section{margin-bottom:2rem}</style></head><body>"
    )
    out.write(f"<h1>Your personal data held by {html.escape(catalogue.controller_name)}</h1>")
    out.write(
        f"<p>Customer {customer_id} · request {request_id} · policy version "
        f"{html.escape(catalogue.policy_version)} · generated {html.escape(generated)}</p>"
    )


def html_category(out: HashingWriter, catalogue: Catalogue, category: Category) -> None:
    block = policy_block(catalogue, category)
    out.write(f"<section id={category.key}><h2>{html.escape(category.title)}</h2><dl>")
    for label, key in (
        ("What the policy says", "policy_text"),
        ("Why we hold it", "purposes"),
        ("Legal basis", "legal_basis"),
        ("How long we keep it", "retention"),
        ("Who receives it", "recipients"),
        ("Where it comes from", "source"),
    ):
        value = block[key]
        text = "; ".join(value) if isinstance(value, list) else value
        out.write(f"<dt>{label}</dt><dd>{html.escape(text)}</dd>")
    out.write("</dl>")


def html_kind(out: HashingWriter, kind: RecordKind, batches: Iterable[list[dict[str, Any]]]) -> int:
    out.write(f"<h3>{html.escape(kind.title)}</h3><table><thead><tr>")
    out.write("".join(f"<th>{html.escape(f.label)}</th>" for f in kind.fields) + "</tr></thead><tbody>")
    count = 0
    for batch in batches:
        rows = []
        for record in batch:
            cells = "".join(f"<td>{html.escape(_display(f.display, record.get(f.key)))}</td>" for f in kind.fields)
            rows.append(f"<tr>{cells}</tr>")
            count += 1
        out.write("".join(rows))
    out.write("</tbody></table>")
    if not count:
        out.write("<p>No records of this kind.</p>")
    return count


def _display(display: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if display in ("card_mask", "account_mask"):
        return f"•••• {value}"
    if display == "password_set_on":
        return f"Set on {str(value)[:10]} (the password itself is never stored readable)"
    if display == "money":
        return f"{int(value) / 100:,.2f}"
    return str(value)
