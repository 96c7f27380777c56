"""The category registry: how each policy category's records are listed, counted, exported and erased, and the
spec of each record kind it reads (kinds.py)."""

from functools import lru_cache

from ..catalogue import source_catalogue
from .bulk_records import KindSpan, time_field
from .consistency import RegistryError
from .kinds import KIND_SPECS, RecordKindSpec
from .portal_records import PORTAL_RECORD_SPECS, ErasureScope, PortalRecordSpec
from .registry import CategoryRegistry, KindSummary, PageQuery, RecordPage


@lru_cache(maxsize=1)
def get_registry() -> CategoryRegistry:
    # The English catalogue: the registry is built once per process and works by keys, whoever asks first.
    return CategoryRegistry(source_catalogue())


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
