"""Read use cases over a customer's personal data. The customer id always comes from the principal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...catalogue import Category, RecordKind, get_catalogue
from ...categories import PageQuery, RecordPage, get_registry
from ...db import session_scope
from ...i18n import N_
from ..access import Audience, use_case
from ..identity.principal import Principal
from .contested import contested_ids


@dataclass(frozen=True)
class CategoryOverview:
    category: Category
    count: int
    last_changed_at: datetime | None


@use_case(Audience.CUSTOMER, what=N_("customer data"))
def overview(principal: Principal) -> list[CategoryOverview]:
    customer_id = principal.account_id
    registry = get_registry()
    with session_scope() as session:
        summaries = registry.summaries(session, customer_id=customer_id)
    result = []
    for key, category in get_catalogue().categories.items():
        kinds = summaries[key]
        changed = [s.last_changed_at for s in kinds if s.last_changed_at]
        result.append(
            CategoryOverview(
                category=category, count=sum(s.count for s in kinds), last_changed_at=max(changed) if changed else None
            )
        )
    return result


@use_case(Audience.CUSTOMER, what=N_("customer data"))
def single_record(principal: Principal, kind: RecordKind) -> dict[str, Any] | None:
    customer_id = principal.account_id
    with session_scope() as session:
        return get_registry().single_record(session, customer_id=customer_id, kind=kind)


@dataclass(frozen=True)
class ShownPage:
    """One page of a table as the customer sees it: the records, and which of them they contested."""

    page: RecordPage
    contested: frozenset[int]


@use_case(Audience.CUSTOMER, what=N_("customer data"))
def record_page(principal: Principal, kind: RecordKind, query: PageQuery) -> ShownPage:
    customer_id = principal.account_id
    with session_scope() as session:
        page = get_registry().list_records(session, customer_id=customer_id, kind=kind, query=query)
        marked = contested_ids(
            session, customer_id=customer_id, kind_key=kind.key, record_ids=(row["_id"] for row in page.rows)
        )
    return ShownPage(page, marked)
