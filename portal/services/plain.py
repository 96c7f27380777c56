"""Services hand pages plain data, not ORM rows: a frozen copy of the values a view declares.

An ORM row outside its session can lazy-load, expire, or be written back by accident; a page that holds one is
coupled to the database. `plain(View, row)` copies the fields `View` (a frozen dataclass) names, nothing more.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")


def plain(view: type[T], row: object) -> T:
    return view(**{field.name: getattr(row, field.name) for field in dataclasses.fields(view)})  # type: ignore[arg-type]  # view is a dataclass: fields() takes its type


@dataclasses.dataclass(frozen=True)
class GrantInfo:
    id: int | None
    customer_id: int
    scope: str
    ticket_ref: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    ask_id: int | None


@dataclasses.dataclass(frozen=True)
class AskInfo:
    id: int | None
    customer_id: int
    agent_id: int | None
    reason: str
    created_at: datetime
    expires_at: datetime
    status: str
    answered_at: datetime | None


@dataclasses.dataclass(frozen=True)
class SupportSessionInfo:
    id: int | None
    grant_id: int
    agent_id: int | None
    customer_id: int
    reason: str
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None


@dataclasses.dataclass(frozen=True)
class CustomerInfo:
    id: int | None
    email: str
    display_name: str


@dataclasses.dataclass(frozen=True)
class ExportPackageInfo:
    id: int | None
    request_id: int
    customer_id: int
    categories: list[str]
    formats: list[str]
    file_name: str | None
    size_bytes: int
    sha256: str | None
    record_count: int
    created_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    deleted_at: datetime | None
    details: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ConsentEvent:
    id: int | None
    customer_id: int
    purpose: str
    granted: bool
    policy_version: str
    at: datetime
    channel: str
    actor_id: int | None
    actor_role: str
    request_id: int | None
