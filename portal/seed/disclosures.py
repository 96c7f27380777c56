"""A believable disclosure history for the demo customers, derived from their records and the catalogue.

Each record kind names its recipients in the catalogue; a record went to each of them when it came into being
(an order to the payment provider and the carrier when it was placed, a ticket to the support desk when it was
opened). Purposes that rest on consent (partner transfers, analytics, product news) sent data only while the
customer's consent was given. Page views and cookies went to the analytics provider in monthly batches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from ..catalogue import get_catalogue
from ..categories.kinds import KIND_SPECS
from .bulk import Row
from .consents import CHOICES
from .people import BASE_TIME, CustomerSpec

# How the recipient knows a record: its own reference for it (the order number it was given, say).
REFERENCE: dict[str, str] = {
    "order": "order_number",
    "payment": "order_number",
    "warranty_claim": "claim_number",
    "support_ticket": "ticket_number",
    # Cards and bank accounts by the portal's record id they were sent with: a card number or a provider token
    # would itself be a personal value an erasure must not leave behind in the notice.
    "payment_card": "id",
    "financial_account": "id",
}
BATCHED = {"usage_event", "cookie"}  # many small records: sent as one batch per month


def disclosure_rows(spec: CustomerSpec, rows: dict[str, list[Row]]) -> Iterator[Row]:
    catalogue = get_catalogue()
    for category in catalogue.categories.values():
        for kind in category.kinds:
            for receiver in kind.recipients:
                purpose = catalogue.purposes[receiver.purpose]
                windows = _consent_windows(spec, purpose.key) if purpose.consentable else [(spec.created_at, None)]
                for when, refs, count in _sendings(spec, kind.key, rows.get(kind.key, [])):
                    if any(start <= when and (end is None or when < end) for start, end in windows):
                        yield {
                            "customer_id": spec.id,
                            "recipient": receiver.recipient,
                            "kind": kind.key,
                            "purpose": purpose.key,
                            "disclosed_at": when,
                            "record_refs": refs,
                            "record_count": count,
                        }


def _sendings(spec: CustomerSpec, kind: str, rows: list[Row]) -> Iterator[tuple[datetime, list[str], int]]:
    """(when, the recipient's references, how many records) for each sending of this kind's records."""
    stamp = KIND_SPECS[kind].changed_at[0] if KIND_SPECS[kind].changed_at else None
    if kind == "identity_profile":  # the profile goes out once, the day after registration
        yield spec.created_at + timedelta(days=1), [], 1
        return
    if stamp is None:
        return
    if kind in BATCHED:
        months: dict[datetime, int] = defaultdict(int)
        for row in rows:
            month_end = _month_end(row[stamp])
            months[min(month_end, BASE_TIME)] += 1
        for when, count in sorted(months.items()):
            yield when, [], count
        return
    reference = REFERENCE.get(kind)
    for row in rows:
        yield row[stamp], [str(row[reference])] if reference else [], 1


def _month_end(when: datetime) -> datetime:
    first_of_next = (when.replace(day=1) + timedelta(days=32)).replace(day=1, hour=2, minute=0, second=0, microsecond=0)
    return first_of_next


def _consent_windows(spec: CustomerSpec, purpose: str) -> list[tuple[datetime, datetime | None]]:
    """When the customer's consent to `purpose` was given (the seeded history: one step every 30 days)."""
    history = CHOICES[spec.email].get(purpose, [])
    windows: list[tuple[datetime, datetime | None]] = []
    start = None
    for step, granted in enumerate(history):
        at = spec.created_at + timedelta(days=30 * step)
        if granted and start is None:
            start = at
        elif not granted and start is not None:
            windows.append((start, at))
            start = None
    if start is not None:
        windows.append((start, None))
    return windows
