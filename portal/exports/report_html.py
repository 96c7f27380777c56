"""report.html, the export for people: styled (inline, printable), amounts with their currency, times in words in the
reader's time zone, no internal ids. A long list is summarised (how many, from when to when, the most recent ones)
and points to the file that holds all of it, so the report opens at once whatever the history size.

Markup only: what to read and when to summarise is decided in `html_pass`."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ..catalogue import Catalogue, Category, RecordKind
from ..catalogue.display import TimeWords, field_text
from .sections import Column, Section
from .writers import HashingWriter, policy_block

SUMMARY_ABOVE = 200  # more records than this: the report summarises the kind or section
RECENT = 50  # how many of the most recent records a summary shows
_NUMERIC = ("money", "bytes")

STYLE = (
    ":root{--ink:#1d2433;--muted:#556070;--line:#d9dde5;--band:#f3f5f8;--accent:#1f5fbf}"
    "*{box-sizing:border-box}"
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);margin:0}"
    "main{max-width:74rem;margin:0 auto;padding:2rem 1.5rem 4rem}"
    "h1{font-size:1.8rem;margin:0 0 .3rem}"
    "h2{font-size:1.35rem;margin:2.5rem 0 .6rem;padding-top:.6rem;border-top:3px solid var(--accent)}"
    "h3{font-size:1.05rem;margin:1.6rem 0 .3rem}"
    ".lead,.about{color:var(--muted);margin:.2rem 0 .6rem}"
    "nav ol{columns:2;margin:.4rem 0;padding-left:1.4rem}"
    "dl{display:grid;grid-template-columns:minmax(8rem,13rem) 1fr;gap:.25rem 1rem;background:var(--band);"
    "padding:.75rem 1rem;border-radius:6px;margin:.4rem 0 1rem}"
    "dt{font-weight:600;color:var(--muted)}dd{margin:0}"
    "table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.3rem 0 1rem}"
    "th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:var(--band);font-weight:600}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".summary{background:#fff7e0;border-left:4px solid #d39e00;padding:.5rem .8rem;margin:.4rem 0}"
    ".none{color:var(--muted);font-style:italic}"
    "footer{color:var(--muted);font-size:.85rem;margin-top:3rem;border-top:1px solid var(--line);padding-top:1rem}"
    "@media print{body{font-size:10pt}main{max-width:none;padding:0}nav{display:none}"
    "h2{break-before:page;border-top:none;padding-top:0}h3{break-after:avoid}"
    "table{font-size:8.5pt}thead{display:table-header-group}tr{break-inside:avoid}"
    "dl,.summary{background:none;border:1px solid #999}}"
)


def head(
    out: HashingWriter,
    *,
    catalogue: Catalogue,
    generated: datetime,
    times: TimeWords,
    contents: Sequence[tuple[str, str]],
) -> None:
    """The page's head, title and table of contents (`contents`: anchor and title of each part)."""
    out.write(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Your personal data</title><style>{STYLE}</style></head><body><main>"
    )
    out.write(f"<h1>Your personal data held by {_e(catalogue.controller_name)}</h1>")
    out.write(
        f"<p class=lead>Prepared on {_e(times.moment(generated))}, under version {_e(catalogue.policy_version)} of "
        f"our privacy policy. {_e(times.zone_note)}</p>"
    )
    links = "".join(f"<li><a href='#{anchor}'>{_e(title)}</a></li>" for anchor, title in contents)
    out.write(f"<nav aria-label='Contents'><ol>{links}</ol></nav>")


def category(out: HashingWriter, catalogue: Catalogue, chosen: Category) -> None:
    block = policy_block(catalogue, chosen)
    out.write(f"<section id=category-{chosen.key}><h2>{_e(chosen.title)}</h2><dl>")
    for label, key in (
        ("What the policy says", "policy_text"),
        ("Why we hold it", "purposes"),
        ("Legal basis", "legal_basis"),
        ("How long we keep it", "retention"),
        ("Who receives it", "recipients"),
        ("Where it comes from", "source"),
    ):
        value = block[key]
        out.write(f"<dt>{label}</dt><dd>{_e('; '.join(value) if isinstance(value, list) else value)}</dd>")
    out.write("</dl>")


def kind_table(out: HashingWriter, kind: RecordKind, records: Iterable[dict[str, Any]], times: TimeWords) -> int:
    """Every record of a kind, as the portal's page shows it; returns how many."""
    out.write(f"<h3>{_e(kind.title)}</h3>")
    return _table(out, _kind_heads(kind), (_kind_cells(kind, r, times) for r in records), "No records of this kind.")


def kind_summary(
    out: HashingWriter,
    kind: RecordKind,
    *,
    count: int,
    first: Any,
    last: Any,
    recent: Sequence[dict[str, Any]],
    everything_in: Sequence[str],
    times: TimeWords,
) -> None:
    out.write(f"<h3>{_e(kind.title)}</h3>")
    summary(out, count=count, first=first, last=last, shown=len(recent), everything_in=everything_in, times=times)
    _table(out, _kind_heads(kind), (_kind_cells(kind, r, times) for r in recent), "")


def section_start(out: HashingWriter, section: Section) -> None:
    out.write(f"<h3 id=records-{section.key}>{_e(section.title)}</h3><p class=about>{_e(section.about)}</p>")


def section_table(out: HashingWriter, section: Section, records: Iterable[dict[str, Any]], times: TimeWords) -> int:
    columns = [c for c in section.columns if c.in_report]
    heads = [(c.label, c.display in _NUMERIC) for c in columns]
    rows = ([(_cell(c, record.get(c.key), times), c.display in _NUMERIC) for c in columns] for record in records)
    return _table(out, heads, rows, "None.")


def summary(
    out: HashingWriter,
    *,
    count: int,
    first: Any,
    last: Any,
    shown: int,
    everything_in: Sequence[str],
    times: TimeWords,
) -> None:
    """ "50,000 records, from … to …. The 50 most recent are shown, newest first; all of them are in …"."""
    span = f", from {times.moment(first)} to {times.moment(last)}" if first and last else ""
    where = " and ".join(f"<strong>{_e(place)}</strong>" for place in everything_in)
    out.write(
        f"<p class=summary>{count:,} records{_e(span)}. The {shown} most recent are shown below, newest first; "
        f"all of them are in {where} in this export.</p>"
    )


def foot(out: HashingWriter, *, keys_path: str) -> None:
    out.write(
        "<footer><p>How to check this export: <strong>manifest.json</strong> lists every other file with its SHA-256 "
        "checksum, and <strong>manifest.sig.json</strong> is the portal's Ed25519 signature of it; the public keys are "
        f"published at <strong>{_e(keys_path)}</strong>.</p></footer></main></body></html>"
    )


def _kind_heads(kind: RecordKind) -> list[tuple[str, bool]]:
    return [(f.label, f.display in _NUMERIC) for f in kind.fields]


def _kind_cells(kind: RecordKind, record: dict[str, Any], times: TimeWords) -> list[tuple[str, bool]]:
    currency = record.get("currency") or record.get("_currency")  # exported records, or a page's rows
    return [
        (field_text(f.display, record.get(f.key), currency=currency, times=times), f.display in _NUMERIC)
        for f in kind.fields
    ]


def _cell(column: Column, value: Any, times: TimeWords) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value) or "—"
    return field_text(column.display, value, times=times)


def _table(
    out: HashingWriter, heads: Sequence[tuple[str, bool]], rows: Iterable[Sequence[tuple[str, bool]]], empty: str
) -> int:
    out.write("<table><thead><tr>")
    out.write("".join(f"<th{' class=num' if numeric else ''}>{_e(label)}</th>" for label, numeric in heads))
    out.write("</tr></thead><tbody>")
    count = 0
    chunk: list[str] = []
    for row in rows:
        cells = "".join(f"<td{' class=num' if numeric else ''}>{_e(text)}</td>" for text, numeric in row)
        chunk.append(f"<tr>{cells}</tr>")
        count += 1
        if len(chunk) >= 500:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk) + "</tbody></table>")
    if not count and empty:
        out.write(f"<p class=none>{_e(empty)}</p>")
    return count


def _e(text: str) -> str:
    return html.escape(text, quote=True)
