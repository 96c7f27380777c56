"""The catalogue in other languages, as data: data/policy/catalogue-<version>.<code>.json beside the English file.

A translation file carries every text a person reads (the fields typed `Prose` in model.py: titles, descriptions,
policy quotes, labels, explanations...) keyed by its path in the English catalogue, and nothing else: keys, numbers,
flags, legal names, country codes and contacts come from the English file, so a translation cannot change what the
policy means to the portal, only how it reads.

    {"language": "de", "translation_of": "1.0",
     "notice": "Dies ist eine Übersetzung; maßgeblich ist die englische Fassung.",
     "texts": {"summary": "…", "categories.identity.title": "Identitätsdaten", …}}

A path names each step by the entry's key where the entry has one (`categories.identity.kinds.identity_profile.
fields.street.label`, `portal_records.auth_session.reason`), else by its position (`purposes.usage_analytics.
on_withdrawal.effects.0.explanation`). A file that misses a path, leaves one empty, has one the English lacks or
changes a "{placeholder}" is refused, naming the file and every path.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from ..i18n.pseudo import PSEUDO_LOCALE, pseudo
from .checks import TRANSLATED, Text
from .errors import CatalogueError, catalogue_error
from .model import Catalogue

TRANSLATION_PATTERN = re.compile(r"^catalogue-(\d+(?:\.\d+)*)\.([a-z]{2,3}(?:_[A-Za-z0-9]+)*)\.json$")
ENGLISH_NOTICE = "This is a translation; the English version prevails."
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_SHOWN = 20  # problems listed per file; the rest are counted

T = TypeVar("T")
Rewrite = Callable[[str, str], str]  # (path, text) -> the text to use
_UnionType = type(int | None)


class TranslationFile(BaseModel):
    """The file as written; the texts are checked against the English catalogue by `problems`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Text
    translation_of: Text
    notice: Text  # "This is a translation; the English version prevails.", in the file's language
    texts: dict[str, StrictStr]


@cache
def _fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """The fields of an entry type, each with whether it is typed `Prose` (possibly optional): a translated text."""
    hints = typing.get_type_hints(cls, include_extras=True)

    def translated(hint: object) -> bool:
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) else (hint,)
        return any(TRANSLATED in getattr(option, "__metadata__", ()) for option in options)

    return tuple((field.name, translated(hints[field.name])) for field in dataclasses.fields(cls))


def _step(item: object, index: int) -> str:
    key = getattr(item, "key", None)
    return key if isinstance(key, str) else str(index)


def _with(entry: T, changes: dict[str, Any]) -> T:
    """A copy of a frozen entry with some fields changed, as pydantic's `model_copy(update=...)` makes one: not
    validated again, because only texts change and `problems` checked them (the entries' own rules read keys)."""
    changed = copy.copy(entry)
    for name, value in changes.items():
        object.__setattr__(changed, name, value)
    return changed


def _rewrite(value: T, path: str, rewrite: Rewrite) -> T:
    """`value` with every translated text below it passed through `rewrite`; the same object where nothing changed."""
    if isinstance(value, str | int | float) or value is None:
        return value
    if isinstance(value, dict):
        items = {k: _rewrite(v, f"{path}.{k}", rewrite) for k, v in value.items()}
        changed = any(items[k] is not v for k, v in value.items())
        return typing.cast(T, items) if changed else value
    if isinstance(value, tuple):
        if not value or isinstance(value[0], str):  # a list of keys
            return value
        entries = tuple(_rewrite(v, f"{path}.{_step(v, i)}", rewrite) for i, v in enumerate(value))
        return typing.cast(T, entries) if any(a is not b for a, b in zip(entries, value, strict=True)) else value
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes: dict[str, Any] = {}
    for name, translated in _fields(type(value)):
        current = getattr(value, name)
        where = f"{path}.{name}" if path else name
        if translated:
            new = rewrite(where, current) if isinstance(current, str) else current
        else:
            new = _rewrite(current, where, rewrite)
        if new is not current:
            changes[name] = new
    return _with(value, changes) if changes else value


def texts(catalogue: Catalogue) -> dict[str, str]:
    """Every translated text of a catalogue by its path, in the order of the catalogue."""
    found: dict[str, str] = {}

    def collect(path: str, text: str) -> str:
        found[path] = text
        return text

    _rewrite(catalogue, "", collect)
    return found


def rewrite_texts(catalogue: Catalogue, rewrite: Rewrite, **update: Any) -> Catalogue:
    """The catalogue with every translated text passed through `rewrite(path, text)`, and `update` applied."""
    return _with(_rewrite(catalogue, "", rewrite), update)


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems(translation: TranslationFile, english: dict[str, str]) -> list[str]:
    """What keeps a translation from replacing the English texts, one line per path."""
    found = []
    for path, source in english.items():
        text = translation.texts.get(path)
        if text is None:
            found.append(f"{path}: missing")
        elif not text.strip():
            found.append(f"{path}: empty")
        elif _placeholders(text) != _placeholders(source):
            wanted = ", ".join(sorted(_placeholders(source))) or "none"
            found.append(
                f"{path}: placeholders {', '.join(sorted(_placeholders(text))) or 'none'} (the English has {wanted})"
            )
    found.extend(f"{path}: not in the English catalogue" for path in translation.texts if path not in english)
    return found


def read_translation(
    file: Path, raw: object, english: dict[str, Catalogue], paths: dict[str, dict[str, str]] | None = None
) -> TranslationFile:
    """One translation file (already parsed JSON), checked against the English version it names (`translate` makes
    the translated catalogue). `paths` keeps each English version's texts between calls: one walk per version."""
    match = TRANSLATION_PATTERN.match(file.name)
    if match is None:
        raise CatalogueError(f"{file}: not a catalogue-<version>.<language>.json file name")
    version, code = match.groups()
    try:
        translation = TranslationFile.model_validate(raw)
    except ValidationError as exc:
        raise catalogue_error(file, exc) from None
    if translation.language != code:
        raise CatalogueError(f"{file}: language: {translation.language!r} does not match the file name ({code!r})")
    if translation.translation_of != version:
        raise CatalogueError(
            f"{file}: translation_of: {translation.translation_of!r} does not match the file name ({version!r})"
        )
    if code in ("en", PSEUDO_LOCALE):
        raise CatalogueError(f"{file}: {code!r} is not translated by a file (English is the source, qps is generated)")
    source = english.get(version)
    if source is None:
        raise CatalogueError(f"{file}: there is no English catalogue-{version}.json to translate")
    paths = {} if paths is None else paths
    if version not in paths:
        paths[version] = texts(source)
    found = problems(translation, paths[version])
    if found:
        listed = "\n  ".join(found[:_SHOWN])
        more = f"\n  … and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
        raise CatalogueError(f"{file}: {len(found)} problem(s) in texts:\n  {listed}{more}")
    return translation


def translate(english: Catalogue, translation: TranslationFile) -> Catalogue:
    """The English catalogue with the texts of a checked translation (`read_translation`)."""
    return rewrite_texts(
        english,
        lambda path, _: translation.texts[path],
        language=translation.language,
        translation_notice=translation.notice,
    )


def pseudo_catalogue(english: Catalogue) -> Catalogue:
    """The qps pseudo-locale: every text bracketed and accented, so a page shows at a glance which text came from
    the catalogue and which was never translated."""
    return rewrite_texts(
        english, lambda _, text: pseudo(text), language=PSEUDO_LOCALE, translation_notice=pseudo(ENGLISH_NOTICE)
    )
