"""The value types of the catalogue schema, as pydantic annotations, and the one way a rule reports a problem.

A rule that checks several fields at once runs on the object that holds them, so pydantic would place its error
on that object; `problem(at=...)` carries the path below it, and errors.py joins the two into the field path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Annotated, TypeVar

from annotated_types import Gt
from pydantic import AfterValidator, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
T = TypeVar("T")


def problem(message: str, *at: str | int) -> PydanticCustomError:
    """An error whose message is shown as written, `at` the path below the object the rule runs on."""
    # The message goes in through the context: as the template itself, braces in a quoted value would be read
    # as placeholders.
    return PydanticCustomError("catalogue", "{message}", {"message": message, "at": at})


def not_one_of(value: object, allowed: Iterable[str]) -> str:
    return f"{value!r} is not one of {', '.join(sorted(allowed))}"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise problem("is required and must be a non-empty string")
    return value


def _non_empty(items: tuple[T, ...]) -> tuple[T, ...]:
    # Not MinLen: that also fires when the items themselves were invalid, adding a second, misleading error.
    if not items:
        raise problem("must be a non-empty list")
    return items


def _lowercase_key(value: str) -> str:
    if not _KEY_PATTERN.match(value):
        raise problem(f"{value!r} is not a lowercase key (a-z, 0-9, _)")
    return value


def one_of(allowed: Collection[str]) -> AfterValidator:
    """A closed vocabulary (display formats, retention rules...), named in the message when a value is not in it."""

    def check(value: str) -> str:
        reference(value, allowed)
        return value

    return AfterValidator(check)


def references(items: Iterable[str], allowed: Collection[str], *at: str | int) -> None:
    """Raises for the first item that is not a key of `allowed` (another section of the same file)."""
    for i, item in enumerate(items):
        if item not in allowed:
            raise problem(not_one_of(item, allowed), *at, i)


def reference(item: str | None, allowed: Collection[str], *at: str | int) -> None:
    """Raises when `item` is not in `allowed`, naming the choices."""
    if item not in allowed:
        raise problem(not_one_of(item, allowed), *at)


class _Translated:
    """The mark of a text a person reads, translated per language as data (translation.py): a field typed `Prose`."""

    def __repr__(self) -> str:
        return "TRANSLATED"


TRANSLATED = _Translated()

Text = Annotated[str, AfterValidator(_not_blank)]  # a name, an address, a reference: the same in every language
Prose = Annotated[str, AfterValidator(_not_blank), TRANSLATED]  # a title, a description, a quote: translated
Key = Annotated[str, AfterValidator(_not_blank), AfterValidator(_lowercase_key)]
Flag = StrictBool  # strict: "yes" or 1 is a mistake in the file, not a way of saying true
Positive = Annotated[StrictInt, Gt(0)]  # strict: true or 1.5 is not a number of days
NonEmpty = Annotated[tuple[T, ...], AfterValidator(_non_empty)]
