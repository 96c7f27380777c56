"""The category registry: how each policy category's records are listed (and later exported and erased)."""

from functools import lru_cache

from ..catalogue import get_catalogue
from .registry import KIND_TABLES, CategoryRegistry, KindSummary, PageQuery, RecordPage, RegistryError


@lru_cache(maxsize=1)
def get_registry() -> CategoryRegistry:
    return CategoryRegistry(get_catalogue())


__all__ = ["KIND_TABLES", "CategoryRegistry", "KindSummary", "PageQuery", "RecordPage", "RegistryError",
           "get_registry"]
