"""Newest-first pages of a table for the staff and activity views: one way to count, clamp and slice.

A page number from the browser is clamped to what exists (page 0 or page 9,999 show the first or last page), and
the rows of a page are read with OFFSET/LIMIT over the caller's ordering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Window:
    """Which page to show of `total` rows, and the OFFSET/LIMIT that reads it."""

    page: int
    pages: int
    total: int
    offset: int
    limit: int

    def of(self, rows: list[Any]) -> Page:
        return Page(rows=rows, total=self.total, page=self.page, pages=self.pages)


def window(session: Session, model: type[SQLModel], conditions: list[Any], page: int, page_size: int) -> Window:
    total = int(session.exec(select(func.count()).select_from(model).where(*conditions)).one())
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    return Window(page=page, pages=pages, total=total, offset=(page - 1) * page_size, limit=page_size)
