"""Export completeness and isolation (issue 5): ada's export holds every value her category pages show her,
and not one distinctive value of any other demo customer, in any file of the ZIP."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.catalogue import get_catalogue
from portal.categories import PageQuery, get_registry
from portal.db import get_engine, session_scope
from portal.jobs import register_all
from portal.models import PrivacyRequest, RequestStatus
from portal.queue.worker import Worker
from portal.services.rights import exports
from tests.utils.personal_values import distinctive, value_pattern
from tests.utils.principals import ADA, GRACE, LINUS, MARGARET, principal_for

OTHERS = (GRACE, LINUS, MARGARET)


@pytest.fixture
def ada_files(portal_env: Path) -> dict[str, str]:
    """Ada's export with every category in json, csv and html: each file's text, by name."""
    register_all()
    ada = principal_for(ADA)
    request_id = exports.request_export(
        ada, categories=list(get_catalogue().categories), formats=["json", "csv", "html"], idempotency_key="contents"
    )
    assert Worker(get_engine(), name="t").run_one()
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value
    link = exports.download_link(ada, request_id)
    path, _ = exports.open_download(ada, request_id, parse_qs(urlsplit(link).query)["token"][0])
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _pages() -> dict[str, list[dict[str, Any]]]:
    """Every row the category pages list for ada, per kind: all pages of multi-record kinds, 100 a page,
    and the single record of single kinds."""
    registry = get_registry()
    shown: dict[str, list[dict[str, Any]]] = {}
    with session_scope() as session:
        for category in get_catalogue().categories.values():
            for kind in category.kinds:
                if kind.single:
                    row = registry.single_record(session, customer_id=ADA, kind=kind)
                    shown[kind.key] = [row] if row is not None else []
                    continue
                rows: list[dict[str, Any]] = []
                page = 1
                while True:
                    result = registry.list_records(
                        session, customer_id=ADA, kind=kind, query=PageQuery.parse(kind, page=page, page_size=100)
                    )
                    rows.extend(result.rows)
                    if page >= result.pages:
                        break
                    page += 1
                assert len(rows) == result.total, kind.key
                shown[kind.key] = rows
    return shown


def test_export_holds_every_value_shown_on_her_category_pages(ada_files: dict[str, str]) -> None:
    data = json.loads(ada_files["data.json"])
    catalogue = get_catalogue()
    shown = _pages()
    assert sum(len(rows) for rows in shown.values()) >= 90, "ada has a real history (40 usage events alone)"
    compared = 0
    for category in catalogue.categories.values():
        for kind in category.kinds:
            exported = {r["id"]: r for r in data["categories"][category.key]["records"][kind.key]}
            rows = shown[kind.key]
            assert rows, f"ada has {kind.key} records to compare"
            assert sorted(exported) == sorted(row["_id"] for row in rows), (
                f"{kind.key}: the export holds exactly the records the page lists"
            )
            for row in rows:
                record = exported[row["_id"]]
                for field in kind.fields:
                    assert record[field.key] == _shown(row[field.key]), (kind.key, row["_id"], field.key)
                    compared += 1
                if "_currency" in row:
                    assert record["currency"] == row["_currency"], (kind.key, row["_id"])
    assert compared >= 390, compared


def test_export_holds_no_value_of_any_other_customer(ada_files: dict[str, str]) -> None:
    mine = distinctive(ADA)
    found = {v for v in mine if any(value_pattern([v]).search(text) for text in ada_files.values())}
    assert len(found) >= 20, f"the scan finds ada's own values (it can fail): {sorted(found)}"
    for other in OTHERS:
        values = distinctive(other)
        assert len(values) >= 15, f"customer {other} has distinctive data in every category"
        pattern = value_pattern(values)
        leaks = [
            f"{name} holds {match.group(0)!r}" for name, text in ada_files.items() for match in pattern.finditer(text)
        ]
        assert leaks == [], f"customer {other}'s values in ada's export:\n" + "\n".join(leaks[:20])


def test_every_file_names_ada_and_no_one_else(ada_files: dict[str, str]) -> None:
    data, manifest = json.loads(ada_files["data.json"]), json.loads(ada_files["manifest.json"])
    assert data["customer_id"] == manifest["customer_id"] == ADA
    identity = data["categories"]["identity"]["records"]["identity_profile"]
    assert [r["email"] for r in identity] == ["ada@example.com"]
    assert "ada@example.com" in ada_files["report.html"] and "Customer 1" not in ada_files["report.html"]
    csv_identity = ada_files["csv/identity/identity_profile.csv"]
    assert "ada@example.com" in csv_identity and csv_identity.count("\n") == 2, "header and one record"
