"""The category registry: how each policy category's records are listed, counted, exported and erased, and the
spec of each record kind it reads (kinds.py)."""

from functools import lru_cache

from ..catalogue import get_catalogue
from .bulk_records import KindSpan, time_field
from .kinds import KIND_SPECS, RecordKindSpec
from .registry import CategoryRegistry, KindSummary, PageQuery, RecordPage, RegistryError


@lru_cache(maxsize=1)
def get_registry() -> CategoryRegistry:
    return CategoryRegistry(get_catalogue())


__all__ = [
    "KIND_SPECS",
    "CategoryRegistry",
    "KindSpan",
    "KindSummary",
    "PageQuery",
    "RecordKindSpec",
    "RecordPage",
    "RegistryError",
    "get_registry",
    "time_field",
]
