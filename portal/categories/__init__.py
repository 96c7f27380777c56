"""The category registry: how each policy category's records are listed, counted, exported and erased, and the
spec of each record kind it reads (kinds.py)."""

from functools import lru_cache

from ..catalogue import get_catalogue
from .bulk_records import KindSpan, time_field
from .consistency import RegistryError
from .kinds import KIND_SPECS, RecordKindSpec
from .portal_records import PORTAL_RECORD_SPECS, ErasureScope, PortalRecordSpec
from .registry import CategoryRegistry, KindSummary, PageQuery, RecordPage


@lru_cache(maxsize=1)
def get_registry() -> CategoryRegistry:
    return CategoryRegistry(get_catalogue())


__all__ = [
    "KIND_SPECS",
    "PORTAL_RECORD_SPECS",
    "CategoryRegistry",
    "ErasureScope",
    "KindSpan",
    "KindSummary",
    "PageQuery",
    "PortalRecordSpec",
    "RecordKindSpec",
    "RecordPage",
    "RegistryError",
    "get_registry",
    "time_field",
]
