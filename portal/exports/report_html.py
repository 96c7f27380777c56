"""report.html, the export for people: styled (inline, printable), amounts with their currency, times in words in the
reader's time zone, no internal ids. A long list is summarised (how many, from when to when, the most recent ones)
and points to the file that holds all of it, so the report opens at once whatever the history size.

Markup only: what to read and when to summarise is decided in `html_pass`. Every word is in the language the build runs
in (`<html lang>` says which); messages keep markup out, as placeholders filled with escaped values."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ..catalogue import Catalogue, Category, RecordKind
from ..catalogue.display import TimeWords, field_text
from ..i18n import N_, _, current_locale, ngettext
from ..i18n.formats import format_number
from .sections import Column, Section
from .writers import HashingWriter, policy_block

SUMMARY_ABOVE = 200  # more records than this: the report summarises the kind or section
RECENT = 50  # how many of the most recent records a summary shows
_NUMERIC = ("money", "bytes")
# What the policy says of a category, in the order the report lists it: the label, and the key in `policy_block`.
POLICY_ROWS = (
    (N_("What the policy says"), "policy_text"),
    (N_("Why we hold it"), "purposes"),
    (N_("Legal basis"), "legal_basis"),
    (N_("How long we keep it"), "retention"),
    (N_("Who receives it"), "recipients"),
    (N_("Where it comes from"), "source"),
)

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
    title = _("Your personal data")
    out.write(
        f"<!doctype html><html lang={lang()}><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body><main>"
    )
    heading = _t(_("Your personal data held by {controller}")).format(controller=_e(catalogue.controller_name))
    out.write(f"<h1>{heading}</h1>")
    prepared = _t(_("Prepared on {when}, under version {version} of our privacy policy.")).format(
        when=_e(times.moment(generated)), version=_e(catalogue.policy_version)
    )
    out.write(f"<p class=lead>{prepared} {_e(times.zone_note)}</p>")
    links = "".join(f"<li><a href='#{anchor}'>{_e(title)}</a></li>" for anchor, title in contents)
    contents_label = _("Contents")
    out.write(f"<nav aria-label='{_e(contents_label)}'><ol>{links}</ol></nav>")


def lang() -> str:
    """The BCP 47 tag of the language the report is written in: "en", "de", "zh-Hans"."""
    return current_locale().replace("_", "-")


def category(out: HashingWriter, catalogue: Catalogue, chosen: Category) -> None:
    block = policy_block(catalogue, chosen)
    out.write(f"<section id=category-{chosen.key}><h2>{_e(chosen.title)}</h2><dl>")
    for label, key in POLICY_ROWS:
        value = block[key]
        out.write(f"<dt>{_e(_(label))}</dt><dd>{_e('; '.join(value) if isinstance(value, list) else value)}</dd>")
    out.write("</dl>")


def kind_table(out: HashingWriter, kind: RecordKind, records: Iterable[dict[str, Any]], times: TimeWords) -> int:
    """Every record of a kind, as the portal's page shows it; returns how many."""
    out.write(f"<h3>{_e(kind.title)}</h3>")
    rows = (_kind_cells(kind, r, times) for r in records)
    return _table(out, _kind_heads(kind), rows, _("No records of this kind."))


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
    out.write(f"<h3 id=records-{section.key}>{_e(_(section.title))}</h3><p class=about>{_e(_(section.about))}</p>")


def section_table(out: HashingWriter, section: Section, records: Iterable[dict[str, Any]], times: TimeWords) -> int:
    columns = [c for c in section.columns if c.in_report]
    heads = [(_(c.label), c.display in _NUMERIC) for c in columns]
    rows = ([(_cell(c, record.get(c.key), times), c.display in _NUMERIC) for c in columns] for record in records)
    return _table(out, heads, rows, _("None."))


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
    if first and last:
        how_many = ngettext(
            "{count} record, from {first} to {last}.", "{count} records, from {first} to {last}.", count
        ).format(count=format_number(count), first=times.moment(first), last=times.moment(last))
    else:
        how_many = ngettext("{count} record.", "{count} records.", count).format(count=format_number(count))
    recent = ngettext(
        "The {count} most recent is shown below, newest first; all of them are in {files} in this export.",
        "The {count} most recent are shown below, newest first; all of them are in {files} in this export.",
        shown,
    )
    files = _both([f"<strong>{_e(place)}</strong>" for place in everything_in])
    out.write(f"<p class=summary>{_e(how_many)} {_t(recent).format(count=format_number(shown), files=files)}</p>")


def foot(out: HashingWriter, *, keys_path: str) -> None:
    check = _(
        "How to check this export: {manifest} lists every other file with its SHA-256 checksum, and {signature} is "
        "the portal's Ed25519 signature of it; the public keys are published at {keys}."
    )
    words = _t(check).format(
        manifest="<strong>manifest.json</strong>",
        signature="<strong>manifest.sig.json</strong>",
        keys=f"<strong>{_e(keys_path)}</strong>",
    )
    out.write(f"<footer><p>{words}</p></footer></main></body></html>")


def _kind_heads(kind: RecordKind) -> list[tuple[str, bool]]:
    return [(f.label, f.display in _NUMERIC) for f in kind.fields]


def _kind_cells(kind: RecordKind, record: dict[str, Any], times: TimeWords) -> list[tuple[str, bool]]:
    currency = record.get("currency") or record.get("_currency")  # exported records, or a page's rows
    return [
        (field_text(f.display, record.get(f.key), currency=currency, times=times), f.display in _NUMERIC)
        for f in kind.fields
    ]


def _cell(column: Column, value: Any, times: TimeWords) -> str:
    if column.words is not None and isinstance(value, str) and value in column.words:
        return _(column.words[value])
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


def _both(items: Sequence[str]) -> str:
    """ "a and b" (a summary's files: one or two), in the report's language."""
    if len(items) <= 1:
        return "".join(items)
    joined = items[0]
    for item in items[1:]:
        joined = _t(_("{first} and {second}")).format(first=joined, second=item)
    return joined


def _e(text: str) -> str:
    """A value in the page: escaped, quotes included (it may end up in an attribute)."""
    return html.escape(text, quote=True)


def _t(message: str) -> str:
    """A translated message as page text, before its placeholders are filled with markup or escaped values: `<` and
    `&` escaped, quotes left as they are (an apostrophe in "the portal's" reads as itself)."""
    return html.escape(message, quote=False)
