"""Services hand pages plain data, never ORM rows (portal/services/plain.py): what the pages' services return holds
no SQLModel object at any depth."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from portal.jobs import register_all
from portal.services.rights import consents, exports
from portal.services.support_access import support, support_acting
from portal.services.views import audit_view, requests_view
from tests.utils.principals import ADA, AGENT, DPO, LINUS, principal_for


def _orm_rows(value: Any, path: str = "result") -> list[str]:
    if isinstance(value, SQLModel):
        return [f"{path}: {type(value).__name__}"]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [hit for f in dataclasses.fields(value) for hit in _orm_rows(getattr(value, f.name), f"{path}.{f.name}")]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _orm_rows(v, f"{path}[{k!r}]")]
    if isinstance(value, list | tuple):
        return [hit for i, v in enumerate(value) for hit in _orm_rows(v, f"{path}[{i}]")]
    return []


def test_what_pages_receive_holds_no_orm_rows(portal_env: Path) -> None:
    register_all()
    ada, linus = principal_for(ADA), principal_for(LINUS)
    exports.request_export(ada, categories=["identity"], formats=["json"], idempotency_key="plain-data")
    results = {
        "exports.list_exports": exports.list_exports(ada),
        "consents.history": consents.history(ada),
        "consents.overview": consents.overview(ada),
        "support.overview": support.overview(linus),
        "support_acting.find_customers": support_acting.find_customers(principal_for(AGENT), ""),
        "requests_view.list_requests": requests_view.list_requests(ada),
        "audit_view.customer_activity": audit_view.customer_activity(ada),
        "audit_view.audit_page": audit_view.audit_page(principal_for(DPO), audit_view.AuditQuery()),
    }
    assert all(results.values()), {name: bool(value) for name, value in results.items()}
    found = [hit for name, value in results.items() for hit in _orm_rows(value, name)]
    assert found == [], found
