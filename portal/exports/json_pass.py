"""data.json: the chosen categories' records by kind, with what the policy says of each category, then the portal's
own records about the customer (`portal_records`), whatever categories were chosen. Streamed record by record.

Keys and machine values are English and stable (docs/export-schema.json); what is written for people (a section's
title and sentence, the policy's words) is in the customer's language."""

from __future__ import annotations

import json

from ..i18n import _
from . import writers
from .context import BuildContext

PATH = "data.json"


def write(ctx: BuildContext) -> None:
    ctx.entries.stream(PATH, lambda out: _document(out, ctx))


def _document(out: writers.HashingWriter, ctx: BuildContext) -> None:
    head = {
        "customer_id": ctx.customer_id,
        "request_id": ctx.request_id,
        "policy_version": ctx.catalogue.policy_version,
        "generated_at": ctx.generated.isoformat(),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "categories": {')
    for index, key in enumerate(ctx.categories):
        category = ctx.catalogue.categories[key]
        policy = json.dumps(writers.policy_block(ctx.catalogue, category), ensure_ascii=False)
        out.write(("," if index else "") + f'\n "{key}": {{"policy": {policy}, "records": {{')
        for kind_index, kind in enumerate(category.kinds):
            out.write(("," if kind_index else "") + f'\n  "{kind.key}": ')
            ctx.record_counts[kind.key] = writers.json_kind(out, ctx.batches(kind))
        out.write("}}")
    out.write('\n}, "portal_records": {')
    for index, section in enumerate(ctx.sections):
        about = json.dumps({"title": _(section.title), "about": _(section.about)}, ensure_ascii=False)[:-1]
        out.write(("," if index else "") + f'\n "{section.key}": {about}, "records": ')
        ctx.section_counts[section.key] = writers.json_kind(out, ctx.section_batches(section))
        out.write("}")
    out.write("\n}}\n")
