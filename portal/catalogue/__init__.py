"""The policy catalogue: categories, purposes, legal bases, retention and recipients, loaded from data/, in every
language the portal speaks (the translations are data beside the English file: translation.py)."""

from .loader import (
    CatalogueError,
    get_catalogue,
    load_catalogue,
    load_catalogue_file,
    load_catalogues,
    source_catalogue,
)
from .model import CATEGORY_KEYS, Catalogue, Category, Field, Purpose, RecordKind

__all__ = [
    "CATEGORY_KEYS",
    "Catalogue",
    "CatalogueError",
    "Category",
    "Field",
    "Purpose",
    "RecordKind",
    "get_catalogue",
    "load_catalogue",
    "load_catalogue_file",
    "load_catalogues",
    "source_catalogue",
]
