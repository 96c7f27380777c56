"""The CSV files: one per kind of the chosen categories (`csv/<category>/<kind>.csv`) and one per section of the
portal's own records (`csv/portal/<section>.csv`). The header row is in the customer's language (`writers.csv_header`);
the values are data."""

from __future__ import annotations

from ..catalogue import RecordKind
from ..i18n import _
from . import writers
from .context import BuildContext
from .sections import Section


def write(ctx: BuildContext) -> None:
    for key, kind in ctx.kinds():
        ctx.record_counts[kind.key] = ctx.entries.stream(ctx.kind_csv(key, kind), kind_csv(ctx, kind))
    for section in ctx.sections:
        ctx.section_counts[section.key] = ctx.entries.stream(section.csv_path(), section_csv(ctx, section))


def kind_csv(ctx: BuildContext, kind: RecordKind) -> writers.EntryWriter:
    """Writes a kind's CSV into an entry; returns how many records."""

    def write_entry(out: writers.HashingWriter) -> int:
        return writers.csv_kind(out, kind, ctx.batches(kind))

    return write_entry


def section_csv(ctx: BuildContext, section: Section) -> writers.EntryWriter:
    def write_entry(out: writers.HashingWriter) -> int:
        keys, labels = [c.key for c in section.columns], [_(c.label) for c in section.columns]
        return writers.csv_section(out, keys, ctx.section_batches(section), labels=labels)

    return write_entry
