"""The category registry against the seeded demo database: paging, sorting, filtering, isolation, counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from portal.catalogue import Catalogue, Field, RecordKind, get_catalogue
from portal.categories import KIND_SPECS, CategoryRegistry, PageQuery, RegistryError, get_registry
from portal.categories.page_query import MAX_FILTER_LENGTH, MAX_PAGE_SIZE
from portal.db import session_scope
from portal.models import Feedback

ADA, GRACE, LINUS, MARGARET, AGENT, DPO = 1, 2, 3, 4, 5, 6
CUSTOMERS = (ADA, GRACE, LINUS, MARGARET)
STAFF = (AGENT, DPO)


def _kinds(*, single: bool) -> list[RecordKind]:
    from portal.catalogue import load_catalogue
    from portal.config import ROOT

    catalogue = list(load_catalogue(ROOT / "data" / "policy").values())[-1]
    return [kind for category in catalogue.categories.values() for kind in category.kinds if kind.single == single]


LIST_KINDS = _kinds(single=False)
SINGLE_KINDS = _kinds(single=True)
LIST_KIND_KEYS = [kind.key for kind in LIST_KINDS]


@pytest.fixture
def session(portal_env: Path) -> Iterator[Session]:
    with session_scope() as session:
        yield session


@pytest.fixture
def registry(portal_env: Path) -> CategoryRegistry:
    return CategoryRegistry(get_catalogue())


def _kind(key: str) -> RecordKind:
    return get_catalogue().kind(key)[1]


def _ids(session: Session, kind_key: str, customer_id: int) -> set[int]:
    """The customer's record ids, read straight from the table (not through the registry)."""
    table, owner = KIND_SPECS[kind_key].table, KIND_SPECS[kind_key].owner
    id_column = getattr(table, "id", getattr(table, owner))
    owner_column = getattr(table, owner)
    return set(session.exec(select(id_column).where(owner_column == customer_id)).scalars())  # type: ignore[call-overload]


def _count(session: Session, kind_key: str, customer_id: int) -> int:
    table, owner = KIND_SPECS[kind_key].table, KIND_SPECS[kind_key].owner
    statement = select(func.count()).select_from(table).where(getattr(table, owner) == customer_id)
    return int(session.exec(statement).one()[0])  # type: ignore[call-overload]


def _all_rows(
    registry: CategoryRegistry, session: Session, customer_id: int, kind: RecordKind, **query: Any
) -> list[dict[str, Any]]:
    """Every row the registry returns for this query, walking the pages."""
    rows: list[dict[str, Any]] = []
    page_number = 1
    while True:
        page = registry.list_records(
            session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, page=page_number, **query)
        )
        rows.extend(page.rows)
        if page_number >= page.pages:
            return rows
        page_number += 1


def _sort_key(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _expected_order(values: list[Any], descending: bool) -> list[Any]:
    """Values in order, empty ones last in both directions (on SQLite and PostgreSQL alike)."""
    present = sorted((v for v in values if v is not None), key=_sort_key, reverse=descending)
    return present + [None] * (len(values) - len(present))


# --- first page, totals, ownership -------------------------------------------------------------------------


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_first_page_is_bounded_owned_and_counted(kind_key: str, registry: CategoryRegistry, session: Session) -> None:
    kind = _kind(kind_key)
    for customer_id in CUSTOMERS:
        own = _ids(session, kind_key, customer_id)
        for page_size in (1, 10, 25, 100):
            page = registry.list_records(
                session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, page_size=page_size)
            )
            assert len(page.rows) == min(page_size, len(own)), (kind_key, customer_id, page_size)
            assert {row["_id"] for row in page.rows} <= own, (kind_key, customer_id)
            assert page.total == len(own) == _count(session, kind_key, customer_id)
            assert page.pages == max(1, -(-len(own) // page_size))
            assert all(set(row) >= {f.key for f in kind.fields} for row in page.rows)


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_paging_walks_every_record_exactly_once(kind_key: str, registry: CategoryRegistry, session: Session) -> None:
    kind = _kind(kind_key)
    for customer_id in CUSTOMERS:
        own = _ids(session, kind_key, customer_id)
        if len(own) > 200:  # grace's 50,000 usage events and 5,000 log entries: first pages only
            continue
        for page_size in (1, 3, 25):
            for descending in (True, False):
                seen = [
                    row["_id"]
                    for row in _all_rows(
                        registry, session, customer_id, kind, page_size=page_size, descending=descending
                    )
                ]
                assert len(seen) == len(set(seen)), f"duplicates in {kind_key} paging (size {page_size})"
                assert set(seen) == own, f"{kind_key} paging of customer {customer_id} missed records"


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_a_page_past_the_end_is_empty_but_keeps_the_total(
    kind_key: str, registry: CategoryRegistry, session: Session
) -> None:
    kind = _kind(kind_key)
    page = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, page=10_000))
    assert page.rows == []
    assert page.total == _count(session, kind_key, ADA)


def test_grace_large_kinds_page_through_without_overlap(registry: CategoryRegistry, session: Session) -> None:
    """Deep pages of a large history: consecutive pages never repeat a row, even with equal timestamps."""
    for kind_key in ("usage_event", "access_log"):
        kind = _kind(kind_key)
        own = _ids(session, kind_key, GRACE)
        seen: list[int] = []
        for page_number in (1, 2, 3, 49, 50):
            page = registry.list_records(
                session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, page=page_number, page_size=100)
            )
            assert len(page.rows) == 100 and page.total == len(own)
            seen += [row["_id"] for row in page.rows]
        assert len(seen) == len(set(seen)) and set(seen) <= own
        last = registry.list_records(
            session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, page=-(-len(own) // 100), page_size=100)
        )
        assert len(last.rows) == len(own) - 100 * (last.query.page - 1)


# --- sorting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_sorting_by_every_field_in_both_directions(kind_key: str, registry: CategoryRegistry, session: Session) -> None:
    kind = _kind(kind_key)
    for field in kind.fields:
        for descending in (False, True):
            for customer_id in (ADA, GRACE):
                if customer_id == GRACE and len(_ids(session, kind_key, GRACE)) > 200:
                    rows = registry.list_records(
                        session,
                        customer_id=GRACE,
                        kind=kind,
                        query=PageQuery.parse(kind, sort=field.key, descending=descending, page_size=100),
                    ).rows
                else:
                    rows = _all_rows(
                        registry, session, customer_id, kind, sort=field.key, descending=descending, page_size=7
                    )
                page_query = PageQuery.parse(kind, sort=field.key, descending=descending)
                assert page_query.sort == field.key and page_query.descending is descending
                values = [row[field.key] for row in rows]
                expected = _expected_order(values, descending)
                assert values == expected, f"{kind_key} sorted by {field.key} descending={descending}"


def test_sorting_by_a_timestamp_is_chronological_on_the_large_history(
    registry: CategoryRegistry, session: Session
) -> None:
    kind = _kind("usage_event")
    newest = registry.list_records(session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind)).rows
    oldest = registry.list_records(
        session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, descending=False)
    ).rows
    table = KIND_SPECS["usage_event"].table
    bounds = session.exec(
        select(func.min(table.occurred_at), func.max(table.occurred_at)).where(table.customer_id == GRACE)  # type: ignore[attr-defined]
    ).one()  # type: ignore[attr-defined]
    assert _sort_key(newest[0]["occurred_at"]) == _sort_key(bounds[1])
    assert _sort_key(oldest[0]["occurred_at"]) == _sort_key(bounds[0])


# --- filtering ---------------------------------------------------------------------------------------------


def _text_values(row: dict[str, Any], kind: RecordKind) -> list[str]:
    return [row[f.key] for f in kind.fields if isinstance(row[f.key], str)]


def _richest_small_customer(session: Session, kind_key: str) -> int:
    """The customer with the most records of this kind that still fit in a few pages."""
    return max(CUSTOMERS, key=lambda c: n if (n := _count(session, kind_key, c)) <= 200 else -1)


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_text_filter_finds_a_known_value_and_shrinks_the_total(
    kind_key: str, registry: CategoryRegistry, session: Session
) -> None:
    kind = _kind(kind_key)
    customer_id = _richest_small_customer(session, kind_key)
    rows = _all_rows(registry, session, customer_id, kind, page_size=100)
    everything = len(rows)

    def matching(needle: str) -> set[int]:
        return {row["_id"] for row in rows if any(needle.lower() in v.lower() for v in _text_values(row, kind))}

    # a value with a letter in it (so it cannot hide in a timestamp or a number) that only some rows hold
    candidates = [
        value
        for row in rows
        for value in _text_values(row, kind)
        if any(ch.isalpha() for ch in value) and 0 < len(matching(value)) < everything
    ]
    assert candidates, f"{kind_key}: the demo data of customer {customer_id} has no distinguishing text value"
    needle = candidates[0][:MAX_FILTER_LENGTH].strip()
    expected = matching(needle)

    found = _all_rows(registry, session, customer_id, kind, text=needle, page_size=100)
    page = registry.list_records(session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, text=needle))
    assert {row["_id"] for row in found} == expected, f"{kind_key}: filter {needle!r}"
    assert page.total == len(expected) and 0 < page.total < everything

    for variant in (needle.upper(), needle.lower(), needle.swapcase()):
        again = registry.list_records(
            session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, text=variant)
        )
        assert again.total == page.total, f"{kind_key}: filter is case-sensitive for {variant!r}"

    nothing = registry.list_records(
        session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, text="zz-no-such-value-zz")
    )
    assert nothing.rows == [] and nothing.total == 0


def test_text_filter_on_a_large_history(registry: CategoryRegistry, session: Session) -> None:
    kind = _kind("usage_event")
    table = KIND_SPECS["usage_event"].table
    page = registry.list_records(session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, text="/CART"))
    real = session.exec(
        select(func.count())
        .select_from(table)
        .where(  # type: ignore[call-overload]
            table.customer_id == GRACE,  # type: ignore[attr-defined]
            func.lower(table.page).contains("/cart") | func.lower(table.link_clicked).contains("/cart"),
        )
    ).one()[0]
    from portal.categories.registry import FILTER_COUNT_LIMIT

    assert (page.total, page.more_than_total) == (min(real, FILTER_COUNT_LIMIT), real > FILTER_COUNT_LIMIT)
    assert 0 < page.total < 50_000 and all("/cart" in (row["page"] + row["link_clicked"]).lower() for row in page.rows)


def test_a_text_filter_counts_its_matches_up_to_a_limit(
    registry: CategoryRegistry, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting stops after FILTER_COUNT_LIMIT matches: the page says "more than" and offers that many pages."""
    from portal.categories import registry as registry_module

    kind = _kind("usage_event")
    table = KIND_SPECS["usage_event"].table
    real = session.exec(
        select(func.count())
        .select_from(table)
        .where(  # type: ignore[call-overload]
            table.customer_id == GRACE,
            func.lower(table.page).contains("/cart")  # type: ignore[attr-defined]
            | func.lower(table.link_clicked).contains("/cart"),
        )
    ).one()[0]
    limit = real // 2
    monkeypatch.setattr(registry_module, "FILTER_COUNT_LIMIT", limit)
    page = registry.list_records(session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, text="/cart"))
    assert (page.total, page.more_than_total, len(page.rows)) == (limit, True, 25)
    assert page.pages == -(-limit // 25)
    exact = registry.list_records(
        session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, text="/cart", page=2)
    )
    assert exact.more_than_total and exact.total == limit
    monkeypatch.setattr(registry_module, "FILTER_COUNT_LIMIT", real)
    at_limit = registry.list_records(session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, text="/cart"))
    assert (at_limit.total, at_limit.more_than_total) == (real, False), "exactly the limit is not 'more than'"


def test_a_first_page_that_is_not_full_is_its_own_count(registry: CategoryRegistry, session: Session) -> None:
    kind = _kind("usage_event")
    page = registry.list_records(
        session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text="/cart", page_size=100)
    )
    everything = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, page_size=100))
    expected = [row for row in everything.rows if "/cart" in (row["page"] + row["link_clicked"]).lower()]
    assert page.total == len(page.rows) == len(expected) > 0 and not page.more_than_total


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
@pytest.mark.parametrize("wildcard", ["%", "_", "\\", "%%", "_%_"])
def test_like_wildcards_in_the_filter_are_literal(
    kind_key: str, wildcard: str, registry: CategoryRegistry, session: Session
) -> None:
    kind = _kind(kind_key)
    for customer_id in (ADA, LINUS, MARGARET):
        everything = _all_rows(registry, session, customer_id, kind, page_size=100)
        literal = [row["_id"] for row in everything if any(wildcard in v.lower() for v in _text_values(row, kind))]
        page = registry.list_records(
            session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, text=wildcard, page_size=100)
        )
        assert sorted(row["_id"] for row in page.rows) == sorted(literal), (
            f"{kind_key}: filter {wildcard!r} is treated as a pattern, not as text"
        )
        assert page.total == len(literal)


def test_percent_filter_finds_only_the_review_that_contains_a_percent_sign(
    registry: CategoryRegistry, session: Session
) -> None:
    kind = _kind("feedback")
    page = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text="%"))
    assert page.total == 1 and "within 2 %" in page.rows[0]["text"]
    for text in ("2 %", "2 %."):
        assert (
            registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text=text)).total
            == 1
        )
    assert (
        registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text="2 _")).total == 0
    )


def test_filter_is_case_insensitive_for_ascii_in_other_fields(registry: CategoryRegistry, session: Session) -> None:
    kind = _kind("payment_card")
    for text in ("visa", "VISA", "ViSa"):
        page = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text=text))
        assert [row["brand"] for row in page.rows] == ["Visa"]


def test_filter_is_case_insensitive_for_non_ascii_letters(registry: CategoryRegistry, session: Session) -> None:
    session.add(
        Feedback(
            customer_id=ADA,
            created_at=datetime(2026, 9, 1, tzinfo=UTC),
            kind="feedback",
            product="S31 Smart Plug",
            rating=None,
            text="Ärger mit dem Relais in Überlingen",
        )
    )
    session.flush()
    kind = _kind("feedback")
    for text in ("Ärger", "ärger", "ÄRGER", "überlingen"):
        page = registry.list_records(session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text=text))
        assert page.total == 1, f"filter {text!r} should match 'Ärger mit dem Relais in Überlingen'"


def test_filter_never_crosses_to_another_customer(registry: CategoryRegistry, session: Session) -> None:
    kind = _kind("feedback")
    # "Berlin office" occurs in grace's reviews only
    assert (
        registry.list_records(
            session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, text="Berlin office")
        ).total
        >= 1
    )
    assert (
        registry.list_records(
            session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, text="Berlin office")
        ).total
        == 0
    )


# --- garbage input -----------------------------------------------------------------------------------------

GARBAGE: list[dict[str, Any]] = [
    {"page": "abc"},
    {"page": -5},
    {"page": 0},
    {"page": None},
    {"page": [1]},
    {"page": {"$gt": 1}},
    {"page": "1" * 5000},
    {"page": 10**100},
    {"page": float("nan")},
    {"page": "2.5"},
    {"page_size": 10**9},
    {"page_size": -1},
    {"page_size": "all"},
    {"page_size": None},
    {"sort": "password_hash"},
    {"sort": "id; drop table account"},
    {"sort": "id; drop table"},
    {"sort": "customer_id"},
    {"sort": "processor_token"},
    {"sort": ["occurred_at"]},
    {"sort": 42},
    {"sort": ""},
    {"descending": "maybe"},
    {"descending": None},
    {"descending": ["asc"]},
    {"text": "\x00\x01\x1b[31mred\x7f\n\t\r"},
    {"text": "x" * 10_000},
    {"text": None},
    {"text": 12345},
    {"text": "' OR 1=1 --"},
    {"text": "\ud800 lone surrogate"},
    {"page": "abc", "page_size": 10**9, "sort": "password_hash", "descending": "maybe", "text": "\x00" * 10_000},
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=[repr(g)[:60] for g in GARBAGE])
def test_garbage_query_input_falls_back_to_safe_values(
    garbage: dict[str, Any], registry: CategoryRegistry, session: Session
) -> None:
    for kind in LIST_KINDS:
        field_keys = {f.key for f in kind.fields}
        query = PageQuery.parse(kind, **garbage)
        assert isinstance(query.page, int) and 1 <= query.page <= 10_000_000
        assert isinstance(query.page_size, int) and 1 <= query.page_size <= MAX_PAGE_SIZE
        assert query.sort in field_keys | {None}
        wanted = garbage.get("sort")
        assert query.sort == (wanted if isinstance(wanted, str) and wanted in field_keys else kind.default_sort)
        assert isinstance(query.descending, bool)
        assert isinstance(query.text, str) and len(query.text) <= MAX_FILTER_LENGTH
        assert all(ch.isprintable() for ch in query.text)
        page = registry.list_records(session, customer_id=ADA, kind=kind, query=query)  # and it runs
        assert len(page.rows) <= query.page_size
        assert {row["_id"] for row in page.rows} <= _ids(session, kind.key, ADA)


def test_parse_defaults_and_clamping() -> None:
    kind = next(k for k in LIST_KINDS if k.key == "usage_event")
    default = PageQuery.parse(kind)
    assert (default.page, default.page_size, default.sort, default.descending, default.text) == (
        1,
        25,
        "occurred_at",
        True,
        "",
    )
    assert PageQuery.parse(kind, page="abc").page == 1
    assert PageQuery.parse(kind, page=-5).page == 1
    assert PageQuery.parse(kind, page="3").page == 3
    assert PageQuery.parse(kind, page_size=10**9).page_size == MAX_PAGE_SIZE
    assert PageQuery.parse(kind, sort="password_hash").sort == "occurred_at"
    assert PageQuery.parse(kind, sort="id; drop table").sort == "occurred_at"
    assert PageQuery.parse(kind, sort="page").sort == "page"
    assert PageQuery.parse(kind, descending="maybe").descending is True
    for ascending in (False, "false", "0", 0, "asc"):
        assert PageQuery.parse(kind, descending=ascending).descending is False
    assert PageQuery.parse(kind, text="  Ab\x00c\n  ").text == "Abc"
    assert PageQuery.parse(kind, text="y" * 10_000).text == "y" * MAX_FILTER_LENGTH


def test_parse_survives_infinite_numbers() -> None:
    kind = next(k for k in LIST_KINDS if k.key == "usage_event")
    assert PageQuery.parse(kind, page=float("inf")).page >= 1
    assert PageQuery.parse(kind, page_size=float("-inf")).page_size >= 1


# --- isolation between customers ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_a_customer_never_sees_another_customers_rows(
    kind_key: str, registry: CategoryRegistry, session: Session
) -> None:
    kind = _kind(kind_key)
    grace_ids = _ids(session, kind_key, GRACE)
    for customer_id in (ADA, LINUS, MARGARET):
        seen = {row["_id"] for row in _all_rows(registry, session, customer_id, kind, page_size=100)}
        assert seen == _ids(session, kind_key, customer_id)
        assert not seen & grace_ids, f"customer {customer_id} sees grace's {kind_key} rows"
        # filters, sort columns and deep pages do not widen the owner condition either
        for query in (
            {"text": "a"},
            {"text": "%"},
            {"sort": kind.fields[-1].key, "descending": False},
            {"page": 2, "page_size": 1},
        ):
            page = registry.list_records(
                session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind, **query)
            )
            assert not {row["_id"] for row in page.rows} & grace_ids
    first = registry.list_records(session, customer_id=GRACE, kind=kind, query=PageQuery.parse(kind, page_size=100))
    assert {row["_id"] for row in first.rows} <= grace_ids


@pytest.mark.parametrize("kind_key", LIST_KIND_KEYS)
def test_staff_and_unknown_ids_have_no_records(kind_key: str, registry: CategoryRegistry, session: Session) -> None:
    kind = _kind(kind_key)
    for customer_id in (*STAFF, 999_999, 0, -1):
        page = registry.list_records(session, customer_id=customer_id, kind=kind, query=PageQuery.parse(kind))
        assert page.rows == [] and page.total == 0


# --- counts and single records ------------------------------------------------------------------------------


def test_summaries_equal_the_real_row_counts(registry: CategoryRegistry, session: Session) -> None:
    catalogue = get_catalogue()
    for customer_id in CUSTOMERS:
        summaries = registry.summaries(session, customer_id=customer_id)
        assert list(summaries) == list(catalogue.categories)
        for category_key, kinds in summaries.items():
            assert [s.kind.key for s in kinds] == [k.key for k in catalogue.categories[category_key].kinds]
            for summary in kinds:
                real = _count(session, summary.kind.key, customer_id)
                assert summary.count == real, (customer_id, summary.kind.key)
                assert registry.count(session, customer_id=customer_id, kind_key=summary.kind.key) == real
                assert (summary.last_changed_at is None) == (real == 0)


def test_recount_keeps_the_counters_exact(registry: CategoryRegistry, session: Session) -> None:
    registry.recount(session, customer_id=GRACE)
    session.flush()
    for kinds in registry.summaries(session, customer_id=GRACE).values():
        for summary in kinds:
            assert summary.count == _count(session, summary.kind.key, GRACE)


def test_demo_counts_match_the_qa_contract(registry: CategoryRegistry, session: Session) -> None:
    expected = {  # ada, grace, linus, margaret
        "payment_card": (2, 3, 1, 1),
        "financial_account": (1, 2, 0, 1),
        "order": (6, 60, 4, 3),
        "payment": (6, 55, 4, 3),
        "warranty_claim": (2, 8, 1, 1),
        "manual_change": (2, 5, 1, 1),
        "support_ticket": (3, 15, 2, 2),
        "feedback": (5, 24, 3, 4),
        "usage_event": (40, 50_000, 30, 25),
        "device": (3, 12, 2, 2),
        "access_log": (16, 5_000, 12, 10),
        "cookie": (6, 30, 5, 5),
    }
    for kind_key, counts in expected.items():
        for customer_id, count in zip(CUSTOMERS, counts, strict=True):
            page = registry.list_records(
                session, customer_id=customer_id, kind=_kind(kind_key), query=PageQuery.parse(_kind(kind_key))
            )
            assert page.total == count, (kind_key, customer_id)


def test_single_kinds_return_the_customers_own_record(registry: CategoryRegistry, session: Session) -> None:
    account, identity = _kind("account"), _kind("identity_profile")
    assert [k.key for k in SINGLE_KINDS] == ["account", "identity_profile"]
    expected = {
        ADA: ("ada.lovelace", "Ada Lovelace", "ada@example.com"),
        GRACE: ("grace.hopper", "Grace Hopper", "grace@example.com"),
        LINUS: ("linus.torvalds", "Linus Torvalds", "linus@example.com"),
        MARGARET: ("margaret.hamilton", "Margaret Hamilton", "margaret@example.com"),
    }
    for customer_id, (username, full_name, email) in expected.items():
        record = registry.single_record(session, customer_id=customer_id, kind=account)
        assert record is not None and record["username"] == username and record["_id"] == customer_id
        assert set(record) == {f.key for f in account.fields} | {"_id"}  # never the password hash
        profile = registry.single_record(session, customer_id=customer_id, kind=identity)
        assert profile is not None and profile["_id"] == customer_id
        assert (profile["full_name"], profile["email"]) == (full_name, email)
    for staff_id in STAFF:
        assert registry.single_record(session, customer_id=staff_id, kind=identity) is None
    assert registry.single_record(session, customer_id=999_999, kind=account) is None


def test_get_registry_is_the_catalogues_registry(portal_env: Path) -> None:
    registry = get_registry()
    assert registry is get_registry()
    assert registry.category("usage").kinds[0].key == "usage_event"


# --- start-up checks ---------------------------------------------------------------------------------------


def _with_kind(catalogue: Catalogue, category_key: str, kind: RecordKind) -> Catalogue:
    category = catalogue.categories[category_key]
    categories = dict(catalogue.categories)
    categories[category_key] = dataclasses.replace(category, kinds=(*category.kinds, kind))
    return dataclasses.replace(catalogue, categories=categories)


def _replace_kind(catalogue: Catalogue, kind_key: str, **changes: Any) -> Catalogue:
    categories = {}
    for key, category in catalogue.categories.items():
        kinds = tuple(dataclasses.replace(k, **changes) if k.key == kind_key else k for k in category.kinds)
        categories[key] = dataclasses.replace(category, kinds=kinds)
    return dataclasses.replace(catalogue, categories=categories)


def test_registry_accepts_the_shipped_catalogue(portal_env: Path) -> None:
    CategoryRegistry(get_catalogue())


def test_registry_refuses_a_kind_without_a_table(portal_env: Path) -> None:
    stray = RecordKind(key="fingerprint", title="Browser fingerprints", fields=(Field("hash", "Hash"),))
    with pytest.raises(RegistryError, match="fingerprint"):
        CategoryRegistry(_with_kind(get_catalogue(), "technical", stray))


def test_registry_refuses_a_field_the_table_lacks(portal_env: Path) -> None:
    catalogue = get_catalogue()
    usage = catalogue.kind("usage_event")[1]
    broken = _replace_kind(catalogue, "usage_event", fields=(*usage.fields, Field("referrer_url", "Came from")))
    with pytest.raises(RegistryError, match="referrer_url"):
        CategoryRegistry(broken)
    renamed = _replace_kind(
        catalogue,
        "cookie",
        fields=tuple(
            dataclasses.replace(f, key="expiry") if f.key == "expires_at" else f
            for f in catalogue.kind("cookie")[1].fields
        ),
    )
    with pytest.raises(RegistryError, match="expiry"):
        CategoryRegistry(renamed)


# --- date ranges (#21: 2,000 pages need a way in) ---------------------------------------------------------------


def test_a_date_range_lists_only_that_range_and_counts_it_exactly(
    registry: CategoryRegistry, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count of a date range is exact even far above the text filter's cap: it is a range of an index."""
    from portal.categories import registry as registry_module

    monkeypatch.setattr(registry_module, "FILTER_COUNT_LIMIT", 10)
    kind = _kind("usage_event")
    table = KIND_SPECS["usage_event"].table
    since, until = date(2026, 1, 1), date(2026, 3, 31)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    real = session.exec(
        select(func.count())
        .select_from(table)
        .where(  # type: ignore[call-overload]
            table.customer_id == GRACE,  # type: ignore[attr-defined]
            table.occurred_at >= start,  # type: ignore[attr-defined]
            table.occurred_at < end,  # type: ignore[attr-defined]
        )
    ).one()[0]
    assert real > 10 * 25, "the demo data has enough page views in the range for the test to mean something"
    query = PageQuery.parse(kind, since=since.isoformat(), until=until.isoformat(), page=2)
    page = registry.list_records(session, customer_id=GRACE, kind=kind, query=query)
    assert (page.total, page.more_than_total, page.all_records) == (real, False, 50_000)
    assert len(page.rows) == 25 and all(start <= row["occurred_at"] < end for row in page.rows)
    oldest = registry.list_records(
        session, customer_id=GRACE, kind=kind, query=dataclasses.replace(query, page=1, descending=False)
    )
    assert oldest.rows[0]["occurred_at"] >= start and oldest.rows[0]["occurred_at"] < start + timedelta(days=7)
    with_text = registry.list_records(
        session, customer_id=GRACE, kind=kind, query=dataclasses.replace(query, text="/", page=1)
    )
    assert (with_text.total, with_text.more_than_total) == (10, True), "text keeps its cap, dates or not"


def test_date_range_input_is_forgiving() -> None:
    kind = _kind("usage_event")
    assert PageQuery.parse(kind, since="not a date").since is None
    assert PageQuery.parse(kind, since="2026-02-30").since is None
    swapped = PageQuery.parse(kind, since="2026-03-10", until="2026-03-01")
    assert (swapped.since, swapped.until) == (date(2026, 3, 1), date(2026, 3, 10))
    assert swapped.time_bounds() == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
    account = get_catalogue().kind("payment_card")[1]
    assert PageQuery.parse(account, since="2026-01-01").since == date(2026, 1, 1), "payment cards have 'added'"
    one_day = PageQuery.parse(kind, since="2026-03-01", until="2026-03-01")
    assert one_day.time_bounds() == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
