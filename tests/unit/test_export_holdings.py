"""The export's declarations of what the portal holds (portal/exports/held_*.py): every table of the schema is declared
once, every column of a customer's table is exported or left out with a reason, and a table or column added later
fails here until someone decides what the export does with it (GDPR Art. 15: the export says it is complete)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Column, Integer, MetaData, Table
from sqlmodel import SQLModel

from portal.catalogue import get_catalogue
from portal.categories import KIND_SPECS
from portal.exports.held_tables import declared
from portal.exports.holdings import Holding, undeclared
from portal.services.rights import portal_records

CUSTOMER_COLUMNS = ("account_id", "customer_id", "subject_id")


def _holdings() -> list[Holding]:
    return declared(get_catalogue(), KIND_SPECS)


def test_every_table_is_declared_once_and_every_column_is_accounted_for() -> None:
    assert undeclared(_holdings(), SQLModel.metadata.tables) == []


def test_a_table_with_a_customer_column_is_never_declared_as_holding_nothing_of_theirs() -> None:
    by_name = {holding.name: holding for holding in _holdings()}
    for name, table in SQLModel.metadata.tables.items():
        if any(column in table.c for column in CUSTOMER_COLUMNS):
            holding = by_name[name]
            assert holding.unlinked is None and (holding.owner or holding.via), name
            assert holding.kind or holding.section or holding.left_out, f"{name}: exported, or left out with a reason"
    for holding in _holdings():
        assert holding.unlinked is None or len(holding.unlinked) > 30, f"{holding.name}: say why, in a sentence"


def test_a_new_table_fails_until_it_is_declared() -> None:
    scratch = MetaData()
    Table("loyalty_point", scratch, Column("id", Integer, primary_key=True), Column("customer_id", Integer))
    tables = {**SQLModel.metadata.tables, **scratch.tables}
    assert undeclared(_holdings(), tables) == ["table 'loyalty_point' is not declared"]


def test_a_new_column_fails_until_it_is_exported_or_left_out_with_a_reason() -> None:
    holdings = _holdings()
    index = next(i for i, h in enumerate(holdings) if h.name == "support_session")
    forgetful = dataclasses.replace(holdings[index], exported=holdings[index].exported[:-1], left_out=())
    problems = undeclared([*holdings[:index], forgetful, *holdings[index + 1 :]], SQLModel.metadata.tables)
    assert problems == [
        "table 'support_session': columns neither exported nor left out with a reason: ['end_reason', 'grant_id']"
    ]
    doubled = undeclared([*holdings, holdings[index]], SQLModel.metadata.tables)
    assert doubled == ["table 'support_session' is declared 2 times"]


def test_each_section_the_services_build_is_declared_for_its_table() -> None:
    sections = {section.key: section for section in portal_records.sections_for(1)}
    declared_sections = {h.section: h for h in _holdings() if h.section}
    assert set(sections) == set(declared_sections)
    for key, section in sections.items():
        assert section.table == declared_sections[key].name, key
        assert len({c.key for c in section.columns}) == len(section.columns), f"{key}: column keys are unique"
