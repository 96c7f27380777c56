"""pydantic's validation errors, told as the catalogue's one-line messages: `<file>: <field path>: <problem>`."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails


class CatalogueError(ValueError):
    """A catalogue file is missing, unreadable or invalid; the message names file and field."""


_NON_EMPTY_LIST = "must be a non-empty list"
_POSITIVE = "must be a positive whole number"
_OBJECT = "must be an object"

# The plain-language wording of the pydantic error types a catalogue file can hit. Our own rules (checks.problem)
# carry their wording already; anything unlisted falls back to pydantic's message.
_WORDING = {
    "missing": "is required",
    "missing_argument": "is required",
    "unexpected_keyword_argument": "is not a field of the catalogue schema (misspelt?)",
    "extra_forbidden": "is not a field of the catalogue schema (misspelt?)",
    "string_type": "is required and must be a non-empty string",
    "bool_type": "must be true or false",
    "int_type": _POSITIVE,
    "greater_than": _POSITIVE,
    "tuple_type": _NON_EMPTY_LIST,
    "list_type": _NON_EMPTY_LIST,
    "dataclass_type": _OBJECT,
    "dataclass_args_type": _OBJECT,
    "dict_type": _OBJECT,
}


def field_path(loc: tuple[str | int, ...]) -> str:
    """('categories', 0, 'title') -> 'categories[0].title'; the empty path is the document itself."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path or "(document)"


def _describe(error: ErrorDetails) -> str:
    at = (error.get("ctx") or {}).get("at", ())  # the part of the path a rule below the field named (checks.problem)
    message = error["msg"] if error["type"] == "catalogue" else _WORDING.get(error["type"], error["msg"])
    return f"{field_path((*error['loc'], *at))}: {message}"


def catalogue_error(file: Path, error: ValidationError) -> CatalogueError:
    """The first problem in file order (the one to fix first), with a count of the others so none hides."""
    problems = error.errors(include_url=False)
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return CatalogueError(f"{file}: {_describe(problems[0])}{more}")
