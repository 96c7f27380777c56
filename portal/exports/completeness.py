"""The export's completeness statement (manifest.json `completeness`, and the report's last part): every table the
portal checked with the number of the customer's rows in it and where the export holds them, what is left out and
why, and where copies still exist (backups, recipients).

Counted from the declarations in `held_tables` once, at the start of the build, in the build's session.

Machine fields stay English and stable (keys, table names, places in the ZIP, counts, dates); the sentences for people
(`statement`, `holds`, `note`, `what`, `why`, the backups' `statement`) are in the customer's language, the language
the build runs in, as the report that shows them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from ..catalogue import Catalogue
from ..catalogue.display import TimeWords
from ..categories import CategoryRegistry
from ..i18n import N_, _, ngettext
from ..i18n.formats import format_number
from ..models import ConsentState, Disclosure
from .held_tables import declared
from .holdings import Holding, count_left_out, count_rows

STATEMENT = N_(
    "This export holds every piece of personal data the portal holds about you: the policy categories you chose "
    "(`categories`) and, whatever you chose, the portal's own records about you (`portal_records`). `tables` lists "
    "every table the portal checked, how many of your rows it holds and where they are in this export; `left_out` "
    "names what is not included and why; `copies` says where copies of your data still exist."
)


@dataclass(frozen=True)
class Counted:
    holding: Holding
    holds: str  # what the table holds, in words in the reader's language
    rows: int | None  # None: the table links nothing to a customer
    category: str | None  # the kind's category key, for a category's kind
    category_title: str | None = None


@dataclass(frozen=True)
class Completeness:
    tables: list[Counted]
    left_out: list[dict[str, Any]]
    copies: dict[str, Any]

    def held_in(
        self,
        *,
        formats: Collection[str],
        categories: Collection[str],
        sections: Collection[str],
        extra_csv: Collection[str] = (),
    ) -> dict[str, Any]:
        """The statement, with where each table's rows are in this export (`extra_csv`: CSV files the report's
        summaries added because neither JSON nor CSV was chosen)."""
        tables = []
        for counted in self.tables:
            entry: dict[str, Any] = {"table": counted.holding.name, "holds": counted.holds}
            entry["your_rows"] = counted.rows
            entry["in_this_export"] = _places(counted, formats, categories, sections, extra_csv)
            note = _note(counted, categories, sections)
            if note:
                entry["note"] = note
            tables.append(entry)
        return {"statement": _(STATEMENT), "tables": tables, "left_out": self.left_out, "copies": self.copies}


def gather(
    session: Session,
    *,
    catalogue: Catalogue,
    registry: CategoryRegistry,
    customer_id: int,
    generated: datetime,
    backup_days: int,
    times: TimeWords,
) -> Completeness:
    tables: list[Counted] = []
    left_out: list[dict[str, Any]] = []
    kind_category = {kind.key: c for c in catalogue.categories.values() for kind in c.kinds}
    for holding in declared(catalogue, registry.specs):
        # A kind's holding is worded from the catalogue's titles already; the portal's own tables are declared in
        # English messages (`N_`), translated here.
        holds = holding.holds if holding.kind else _(holding.holds)
        if holding.unlinked:
            tables.append(Counted(holding, holds, None, None))
            continue
        rows = count_rows(session, holding, customer_id)
        category = kind_category.get(holding.kind or "")
        if category is None:
            tables.append(Counted(holding, holds, rows, None))
        else:
            tables.append(Counted(holding, holds, rows, category.key, category.title))
        for item in holding.left_out:
            entry: dict[str, Any] = {"table": holding.name, "what": _(item.what), "why": _(item.why)}
            if item.columns:
                entry["columns"] = list(item.columns)
            if item.counts_rows:
                entry["your_rows"] = count_left_out(session, holding, item, customer_id)
            left_out.append(entry)
    held = {t.category for t in tables if t.category and t.rows}
    copies = {
        "backups": _backups(generated, backup_days, times),
        "recipients": _recipients(session, catalogue, customer_id, held),
    }
    return Completeness(tables, left_out, copies)


def _places(
    counted: Counted,
    formats: Collection[str],
    categories: Collection[str],
    sections: Collection[str],
    extra_csv: Collection[str],
) -> list[str]:
    holding = counted.holding
    if holding.kind and counted.category in categories:
        pointer, csv_path = (
            f"/categories/{counted.category}/records/{holding.kind}",
            f"csv/{counted.category}/{holding.kind}.csv",
        )
    elif holding.section and holding.section in sections:
        pointer, csv_path = f"/portal_records/{holding.section}/records", f"csv/portal/{holding.section}.csv"
    else:
        return []
    places = [f"data.json#{pointer}"] if "json" in formats else []
    if "csv" in formats or csv_path in extra_csv:
        places.append(csv_path)
    if "html" in formats:
        places.append("report.html")
    return places


def _note(counted: Counted, categories: Collection[str], sections: Collection[str]) -> str | None:
    holding = counted.holding
    if holding.unlinked:
        return _(holding.unlinked)
    if holding.kind and counted.category not in categories:
        return _("In {category}, a category not chosen for this export.").format(category=counted.category_title)
    if holding.section and holding.section not in sections:
        return _("Not written by this build.")
    if not holding.kind and not holding.section:
        return _("Not exported: see left_out.")
    return None


def _backups(generated: datetime, days: int, times: TimeWords) -> dict[str, Any]:
    if days <= 0:
        return {"kept_for_days": 0, "until": None, "statement": _("The portal keeps no backups of its database.")}
    until = generated + timedelta(days=days)
    statement = ngettext(
        "The portal's database is backed up, and each backup is kept for {count} day: copies of your data as it is "
        "today remain in backups until {date}, and are deleted with them.",
        "The portal's database is backed up, and each backup is kept for {count} days: copies of your data as it is "
        "today remain in backups until {date}, and are deleted with them.",
        days,
    )
    return {
        "kept_for_days": days,
        "until": until.date().isoformat(),
        "statement": statement.format(count=format_number(days), date=times.day(until)),
    }


def _recipients(session: Session, catalogue: Catalogue, customer_id: int, held: set[str]) -> list[dict[str, Any]]:
    """Who receives the customer's data, by name: the recipients of every category they have records in and of
    every purpose those records serve (a consent-based purpose only while consent is given), and of every purpose
    they consented to."""
    granted = set(
        session.exec(
            select(col(ConsentState.purpose)).where(
                col(ConsentState.customer_id) == customer_id, col(ConsentState.granted).is_(True)
            )
        )
    )
    reasons: dict[str, list[str]] = {}

    def add(keys: Sequence[str], why: str) -> None:
        for key in keys:
            if why not in reasons.setdefault(key, []):
                reasons[key].append(why)

    purposes = [p for c in catalogue.categories.values() if c.key in held for p in c.purposes]
    for category in catalogue.categories.values():
        if category.key in held:
            add(category.recipients, category.title)
    for key in [*purposes, *sorted(granted)]:
        purpose = catalogue.purposes.get(key)
        if purpose is not None and (not purpose.consentable or key in granted):
            add(purpose.recipients, purpose.title)
    # What was actually sent, from the disclosure log: a recipient that received data is named even if the purpose
    # it received it for has ended (a withdrawn consent), because the copy it holds has not.
    sent = {
        recipient: (int(count), last)
        for recipient, count, last in session.exec(
            select(col(Disclosure.recipient), func.count(), func.max(col(Disclosure.disclosed_at)))
            .where(col(Disclosure.customer_id) == customer_id)
            .group_by(col(Disclosure.recipient))
        )
    }
    for key in sent:
        reasons.setdefault(key, [])
    return [
        {
            "name": recipient.legal_name,
            "what_it_does": recipient.name,
            "role": recipient.role,
            "location": recipient.location,
            "data_processing_agreement": recipient.data_processing_agreement,
            "transfer_safeguard": recipient.transfer_safeguard,
            "contact": recipient.contact,
            "receives_for": reasons[key],
            "sendings": sent.get(key, (0, None))[0],
            "last_sent_at": _iso(sent.get(key, (0, None))[1]),
        }
        for key, recipient in catalogue.recipients.items()
        if key in reasons
    ]


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None
