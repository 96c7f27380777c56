"""Export packages: one ZIP per export request, stored where every portal process can reach it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from .types import utc_field


class ExportPackage(SQLModel, table=True):
    __tablename__ = "export_package"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="privacy_request.id", unique=True, ondelete="CASCADE")
    customer_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    formats: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    file_name: str | None = Field(default=None, max_length=200)  # relative to the export directory
    size_bytes: int = 0
    sha256: str | None = Field(default=None, max_length=64)
    record_count: int = 0
    created_at: datetime = utc_field()
    ready_at: datetime | None = utc_field(nullable=True)
    expires_at: datetime | None = utc_field(nullable=True)
    deleted_at: datetime | None = utc_field(nullable=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
