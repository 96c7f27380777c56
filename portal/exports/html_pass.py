"""report.html: what to read for each part of the report, and when to summarise.

A kind or section with more than `SUMMARY_ABOVE` records is summarised: its count and time range (one indexed read
for a kind), its `RECENT` most recent records, and where all of them are. Grace's 50,000 page views made a 6 MB
report that took Chromium 10 to 17 s to open; summarised it is a few hundred kB. When neither JSON nor CSV was
chosen, the summarised parts are added as CSV files, so the export still holds every record."""

from __future__ import annotations

import html
from collections import deque
from typing import Any

from ..catalogue import RecordKind
from ..catalogue.display import as_datetime
from ..categories import PageQuery
from ..i18n import N_, _
from . import report_completeness, report_html, writers
from .completeness import Completeness
from .context import BuildContext
from .csv_pass import kind_csv, section_csv
from .report_html import RECENT, SUMMARY_ABOVE
from .sections import Section

PATH = "report.html"
OTHER_RECORDS = ("portal-records", N_("Other records the portal holds about you"))
ExtraFiles = dict[str, writers.EntryWriter]


def write(ctx: BuildContext, completeness: Completeness, *, keys_path: str) -> ExtraFiles:
    """Writes the report; returns the CSV files its summaries point to that the chosen formats do not include."""
    extra: ExtraFiles = {}

    def page(out: writers.HashingWriter) -> None:
        contents = [(f"category-{key}", ctx.catalogue.categories[key].title) for key in ctx.categories]
        contents += [(OTHER_RECORDS[0], _(OTHER_RECORDS[1]))] if ctx.sections else []
        contents += [(report_completeness.ANCHOR, _(report_completeness.TITLE))]
        report_html.head(out, catalogue=ctx.catalogue, generated=ctx.generated, times=ctx.times, contents=contents)
        for key in ctx.categories:
            category = ctx.catalogue.categories[key]
            report_html.category(out, ctx.catalogue, category)
            for kind in category.kinds:
                ctx.record_counts[kind.key] = _kind(out, ctx, key, kind, extra)
            out.write("</section>")
        if ctx.sections:
            about = _(
                "Not part of the policy's categories, so included whatever you chose: how you used your rights, and "
                "what happened on your account."
            )
            out.write(
                f"<section id={OTHER_RECORDS[0]}><h2>{html.escape(_(OTHER_RECORDS[1]))}</h2>"
                f"<p class=about>{html.escape(about, quote=False)}</p>"
            )
            for section in ctx.sections:
                ctx.section_counts[section.key] = _section(out, ctx, section, extra)
            out.write("</section>")
        statement = completeness.held_in(
            formats=ctx.formats,
            categories=ctx.categories,
            sections=[s.key for s in ctx.sections],
            extra_csv=extra,
        )
        report_completeness.write(out, statement)
        report_html.foot(out, keys_path=keys_path)

    ctx.entries.stream(PATH, page)
    return extra


def _kind(out: writers.HashingWriter, ctx: BuildContext, category: str, kind: RecordKind, extra: ExtraFiles) -> int:
    span = ctx.registry.span(ctx.session, customer_id=ctx.customer_id, kind=kind)
    if span.count <= SUMMARY_ABOVE:
        return report_html.kind_table(out, kind, (r for batch in ctx.batches(kind) for r in batch), ctx.times)
    csv_path = ctx.kind_csv(category, kind)
    places = _everything_in(ctx, csv_path, f"categories → {category} → records → {kind.key}")
    if csv_path in places and "csv" not in ctx.formats:
        extra[csv_path] = kind_csv(ctx, kind)
    query = PageQuery.parse(kind, page_size=RECENT, sort=span.time_field, descending=True)
    recent = ctx.registry.list_records(ctx.session, customer_id=ctx.customer_id, kind=kind, query=query).rows
    report_html.kind_summary(
        out,
        kind,
        count=span.count,
        first=span.first,
        last=span.last,
        recent=recent,
        everything_in=places,
        times=ctx.times,
    )
    return span.count


def _section(out: writers.HashingWriter, ctx: BuildContext, section: Section, extra: ExtraFiles) -> int:
    """Streams the section once: the first rows in case it is short, the last ones in case it is long."""
    report_html.section_start(out, section)
    kept: list[dict[str, Any]] = []
    recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
    count, first, last = 0, None, None
    for batch in ctx.section_batches(section):
        for record in batch:
            count += 1
            if count <= SUMMARY_ABOVE:
                kept.append(record)
            recent.append(record)
            moment = as_datetime(record.get(section.time_column)) if section.time_column else None
            if moment is not None:
                first, last = min(first or moment, moment), max(last or moment, moment)
    if count <= SUMMARY_ABOVE:
        return report_html.section_table(out, section, kept, ctx.times)
    places = _everything_in(ctx, section.csv_path(), f"portal_records → {section.key} → records")
    if section.csv_path() in places and "csv" not in ctx.formats:
        extra[section.csv_path()] = section_csv(ctx, section)
    report_html.summary(
        out, count=count, first=first, last=last, shown=len(recent), everything_in=places, times=ctx.times
    )
    report_html.section_table(out, section, reversed(recent), ctx.times)
    return count


def _everything_in(ctx: BuildContext, csv_path: str, json_place: str) -> list[str]:
    """Where a summarised part is whole: the chosen formats' files, or a CSV added for it."""
    places = [f"data.json ({json_place})"] if "json" in ctx.formats else []
    if "csv" in ctx.formats or not places:
        places.append(csv_path)
    return places
