"""Load the versioned catalogue files in data/policy/.

Every file is named catalogue-<version>.json; the highest version is the policy in force, older
ones stay so that consent changes between versions can be explained. A broken file stops the
start-up with a message naming the file and the exact field (the schema: model.py and document.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ..config import get_settings
from .document import FILE_PATTERN, CatalogueFile
from .errors import CatalogueError, catalogue_error
from .model import Catalogue

__all__ = ["CatalogueError", "get_catalogue", "load_catalogue", "load_catalogue_file", "reset_catalogue"]

_FILE = TypeAdapter(CatalogueFile)


def load_catalogue_file(file: Path) -> Catalogue:
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"{file}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{file}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from exc
    try:
        # Validated from Python objects, not from the JSON text: json gives the line and column of a syntax
        # error above, and pydantic's lax mode turns the file's lists into the models' tuples.
        return _FILE.validate_python(raw, context={"file_name": file.name}).catalogue()
    except ValidationError as exc:
        raise catalogue_error(file, exc) from None


def _version_key(path: Path) -> tuple[int, ...]:
    match = FILE_PATTERN.match(path.name)
    assert match is not None
    return tuple(int(part) for part in match.group(1).split("."))


def load_catalogue(directory: Path) -> dict[str, Catalogue]:
    """All catalogue versions in a directory, oldest first; the last one is the policy in force."""
    if not directory.is_dir():
        raise CatalogueError(f"{directory}: catalogue directory not found")
    files = sorted((p for p in directory.iterdir() if FILE_PATTERN.match(p.name)), key=_version_key)
    if not files:
        raise CatalogueError(f"{directory}: no catalogue-<version>.json file found")
    return {c.policy_version: c for c in (load_catalogue_file(f) for f in files)}


_current: Catalogue | None = None


def get_catalogue() -> Catalogue:
    """The catalogue in force, loaded once from the configured directory."""
    global _current
    if _current is None:
        versions = load_catalogue(get_settings().catalogue_dir)
        _current = list(versions.values())[-1]
    return _current


def reset_catalogue() -> None:
    global _current
    _current = None
