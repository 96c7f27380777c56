"""The policy catalogue: categories, purposes, legal bases, retention and recipients, loaded from data/."""

from .loader import CatalogueError, get_catalogue, load_catalogue, load_catalogue_file
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
]
