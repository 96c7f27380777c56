"""The catalogue's `portal_records` (what erasure does to the portal's own tables) and their specs
(portal/categories/portal_records.py): the file is checked as it loads, the registry refuses a table it does not
know and a table nobody decided about, and the erasure does exactly what the catalogue says, idempotently."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from portal.audit import Actor
from portal.catalogue import Catalogue, CatalogueError, load_catalogue, load_catalogue_file
from portal.catalogue.model import PortalRecord
from portal.categories import KIND_SPECS, PORTAL_RECORD_SPECS, CategoryRegistry, ErasureScope, RegistryError
from portal.categories.portal_records import ERASED_TEXT, NOT_ABOUT_CUSTOMERS
from portal.config import ROOT
from portal.db import session_scope
from portal.jobs import register_all
from portal.models import AuditEvent, Notification, PrivacyRequest, RequestEvent
from portal.queue import staff_actions
from portal.services.rights import exports
from tests.utils.principals import AGENT, MARGARET, principal_for

SHIPPED = ROOT / "data" / "policy"


def _catalogue() -> Catalogue:
    return list(load_catalogue(SHIPPED).values())[-1]


def _with_records(catalogue: Catalogue, **changes: dict[str, Any] | None) -> Catalogue:
    """The catalogue with some portal records changed (a dict of fields), added, or removed (None)."""
    records = dict(catalogue.portal_records)
    for table, change in changes.items():
        if change is None:
            records.pop(table)
        else:
            base = records.get(table) or PortalRecord(table=table, on_erasure="erase", reason="A new table.")
            records[table] = dataclasses.replace(base, **change)
    return dataclasses.replace(catalogue, portal_records=records)


def test_every_table_of_the_schema_is_a_record_kind_a_portal_record_or_about_no_customer() -> None:
    kinds = {spec.columns.name for spec in KIND_SPECS.values()}
    records = set(_catalogue().portal_records)
    assert records == set(PORTAL_RECORD_SPECS)
    assert not kinds & records and not (kinds | records) & set(NOT_ABOUT_CUSTOMERS)
    assert set(SQLModel.metadata.tables) == kinds | records | set(NOT_ABOUT_CUSTOMERS)
    CategoryRegistry(_catalogue())  # the shipped pair starts


def test_what_is_kept_names_its_legal_basis_and_holds_no_free_text() -> None:
    for table, record in _catalogue().portal_records.items():
        spec = PORTAL_RECORD_SPECS[table]
        if record.on_erasure != "erase":
            assert record.legal_basis, table
        if record.on_erasure == "keep":
            assert spec.personal == (), f"{table} is kept with columns that can hold personal values"


@pytest.mark.parametrize(
    ("catalogue", "message"),
    [
        (
            lambda c: _with_records(c, loyalty_card={}),
            r"names tables the portal does not know: \['loyalty_card'\]",
        ),
        (lambda c: _with_records(c, outbox_message=None), r"do not say what erasure does to \['outbox_message'\]"),
        (lambda c: _with_records(c, cookie={}), r"tables of record kinds \(erased by their category\): \['cookie'\]"),
        (
            lambda c: _with_records(c, request_event={"on_erasure": "keep", "legal_basis": "legal_obligation"}),
            r"'request_event' is kept, but its columns \['message'\] can hold personal values",
        ),
        (
            lambda c: _with_records(c, notification={"on_erasure": "pseudonymise", "legal_basis": "consent"}),
            r"'notification' is pseudonymised, but its spec leaves \['body', 'title'\]",
        ),
        (lambda c: _with_records(c, audit_event={"on_erasure": "erase"}), r"'audit_event' is append-only"),
    ],
)
def test_the_registry_refuses_a_catalogue_its_specs_cannot_honour(catalogue: Any, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        CategoryRegistry(catalogue(_catalogue()))


def test_a_new_table_stops_the_start_until_someone_decides_about_it() -> None:
    specs = {table: spec for table, spec in PORTAL_RECORD_SPECS.items() if table != "field_statement"}
    with pytest.raises(RegistryError, match=r"tables \['field_statement'\] are neither a record kind's nor in the"):
        CategoryRegistry(_with_records(_catalogue(), field_statement=None), record_specs=specs)


def _shipped() -> dict[str, Any]:
    return json.loads((SHIPPED / "catalogue-1.0.json").read_text())


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("portal_records"), "portal_records: is required"),
        (
            lambda d: d["portal_records"][0].update(on_erasure="forget"),
            "portal_records[0].on_erasure: 'forget' is not one of erase, keep, pseudonymise",
        ),
        (
            lambda d: d["portal_records"][3].pop("legal_basis"),
            "portal_records[3].legal_basis: is required when on_erasure is keep",
        ),
        (
            lambda d: d["portal_records"][3].update(legal_basis="vibes"),
            "portal_records[3].legal_basis: 'vibes' is not one of consent, contract, legal_obligation, "
            "legitimate_interests",
        ),
        (
            lambda d: d["portal_records"].append(dict(d["portal_records"][0])),
            f"portal_records[{len(_shipped()['portal_records'])}].table: 'auth_session' appears twice",
        ),
        (lambda d: d["portal_records"][0].update(reason=" "), "portal_records[0].reason: is required"),
    ],
)
def test_the_file_names_a_broken_portal_record(tmp_path: Path, mutate: Any, expected: str) -> None:
    doc = _shipped()
    mutate(doc)
    path = tmp_path / "catalogue-1.0.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CatalogueError) as error:
        load_catalogue_file(path)
    assert str(error.value).startswith(f"{path}: {expected}")


def _audit_events(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_id == MARGARET)).one()


def test_erasure_follows_the_catalogue_and_a_second_run_finds_nothing(portal_env: Path) -> None:
    register_all()
    request_id = exports.request_export(
        principal_for(MARGARET), categories=["identity"], formats=["json"], idempotency_key="k"
    )
    with session_scope() as session:
        staff_actions.comment(
            session,
            request_id=request_id,
            actor=Actor(account_id=AGENT, role="agent"),
            text="INTERNAL: Margaret Hamilton rang from +31 30 555 0147 about Apolloweg 11",
            to_customer=True,
        )
    registry = CategoryRegistry(_catalogue())
    scope = ErasureScope(customer_id=MARGARET, addresses=("margaret@example.com",))
    with session_scope() as session:
        audit_before = _audit_events(session)
        first = registry.erase_portal_records(session, scope)
    assert first["request_event"][0] == "pseudonymised" and first["request_event"][1] >= 2  # filed; the comment
    assert first["notification"][0] == "erased" and first["notification"][1] >= 1  # the comment's
    assert "audit_event" not in first and "deletion_receipt" not in first, "kept tables are left alone"
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.payload == {"erased": True} and request.subject_id == MARGARET
        messages = session.exec(select(RequestEvent.message).where(RequestEvent.request_id == request_id)).all()
        assert set(messages) - {None} == {ERASED_TEXT}  # a status change without words keeps none
        assert session.exec(select(Notification).where(Notification.account_id == MARGARET)).first() is None
        assert _audit_events(session) == audit_before, "the audit trail only grows"
        second = registry.erase_portal_records(session, scope)
    # Nothing is left to erase; the requests' texts are written over again, to the same values.
    assert {table for table, (_, count) in second.items() if count} <= {"privacy_request"}
