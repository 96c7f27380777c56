"""The personal values that identify a demo customer, and a scanner that finds them in text.

Copied from tests/unit/test_erasure.py (`_personal_values`, `_distinctive`) so other tests can ask the same
question of other places (for example the files of an export ZIP) without importing a test module."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from portal.db import session_scope
from portal.models import (
    AccessLog,
    Account,
    Device,
    Feedback,
    FinancialAccount,
    IdentityProfile,
    ManualChange,
    Order,
    Payment,
    PaymentCard,
    SupportTicket,
    WarrantyClaim,
)

# The columns whose text identifies a person (or is something only that person wrote).
PERSONAL_COLUMNS = {
    Account: ["email", "username", "display_name"],
    IdentityProfile: ["full_name", "email", "street", "city", "postcode", "phone", "fax"],
    PaymentCard: ["last4", "holder_name", "processor_token"],
    FinancialAccount: ["account_last4", "holder_name"],
    Order: ["shipping_name", "shipping_address"],
    Payment: ["method"],
    AccessLog: ["ip_address"],
    Feedback: ["text"],
    SupportTicket: ["subject"],
    WarrantyClaim: ["issue"],
    ManualChange: ["description"],
    Device: ["name"],
}


def personal_values(customer_id: int) -> set[str]:
    """The values that identify the customer, gathered from every category table."""
    values: set[str] = set()
    with session_scope() as session:
        for table, names in PERSONAL_COLUMNS.items():
            owner = table.id if table is Account else table.customer_id  # type: ignore[attr-defined]
            for row in session.exec(select(table).where(owner == customer_id)).scalars():  # type: ignore[call-overload]
                for name in names:
                    value = getattr(row, name)
                    if isinstance(value, str) and value.strip():
                        values.add(value.strip())
    return values


def distinctive(customer_id: int) -> set[str]:
    """The customer's values that no other account shares (a shared product question identifies nobody)."""
    with session_scope() as session:
        others = [a.id for a in session.exec(select(Account).where(Account.id != customer_id)).scalars()]  # type: ignore[call-overload]
    shared: set[str] = set()
    for other in others:
        shared |= personal_values(other)
    return personal_values(customer_id) - shared


def value_pattern(values: Iterable[str]) -> re.Pattern[str]:
    """One regex for all values; short ones (up to 6 characters, e.g. the last four digits of a card) only
    as whole words, so "4242" does not match inside "142420"."""
    ordered = sorted(set(values), key=len, reverse=True)
    if not ordered:
        return re.compile(r"(?!x)x")  # matches nothing
    return re.compile("|".join(rf"(?<![\w]){re.escape(v)}(?![\w])" if len(v) <= 6 else re.escape(v) for v in ordered))
