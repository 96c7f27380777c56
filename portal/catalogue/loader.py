"""Load the versioned catalogue files in data/policy/, and their translations.

Every file is named catalogue-<version>.json; the highest version is the policy in force, older
ones stay so that consent changes between versions can be explained. A broken file stops the
start-up with a message naming the file and the exact field (the schema: model.py and document.py).

Beside each English file, catalogue-<version>.<code>.json translates its texts (translation.py). Every
language the portal ships (a gettext catalogue in portal/i18n/locales) must have a translation of the
policy in force, and every translation file present is checked, whichever version it translates: one
that misses, empties or adds a text, or changes a placeholder, stops the start-up naming file and paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ..config import get_settings
from ..i18n import DEFAULT_LOCALE, PSEUDO_LOCALE, current_locale, language_codes
from .document import FILE_PATTERN, CatalogueFile
from .errors import CatalogueError, catalogue_error
from .model import Catalogue
from .translation import TRANSLATION_PATTERN, TranslationFile, pseudo_catalogue, read_translation, translate

__all__ = [
    "CatalogueError",
    "Catalogues",
    "get_catalogue",
    "load_catalogue",
    "load_catalogue_file",
    "load_catalogues",
    "load_translations",
    "reset_catalogue",
    "source_catalogue",
]

_FILE = TypeAdapter(CatalogueFile)


def _read_json(file: Path) -> object:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"{file}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{file}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from exc


def load_catalogue_file(file: Path) -> Catalogue:
    raw = _read_json(file)
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
    """All catalogue versions in a directory, in English, oldest first; the last one is the policy in force."""
    if not directory.is_dir():
        raise CatalogueError(f"{directory}: catalogue directory not found")
    files = sorted((p for p in directory.iterdir() if FILE_PATTERN.match(p.name)), key=_version_key)
    if not files:
        raise CatalogueError(f"{directory}: no catalogue-<version>.json file found")
    return {c.policy_version: c for c in (load_catalogue_file(f) for f in files)}


def shipped_languages() -> tuple[str, ...]:
    """The languages the portal ships besides English (those with a gettext catalogue)."""
    try:
        codes = language_codes()
    except FileNotFoundError:  # no portal/i18n/locales directory in this checkout: English only
        codes = (DEFAULT_LOCALE,)
    return tuple(code for code in codes if code != DEFAULT_LOCALE)


def load_translations(
    directory: Path, english: dict[str, Catalogue], languages: tuple[str, ...] = ()
) -> dict[tuple[str, str], TranslationFile]:
    """Every translation file in the directory, by (version, language), checked against its English version; and a
    translation of the policy in force for each of `languages` and each language a file is present for. All the
    problems of all the files are reported at once."""
    files = sorted(p for p in directory.iterdir() if TRANSLATION_PATTERN.match(p.name))
    current = list(english)[-1]
    errors: list[str] = []
    translations: dict[tuple[str, str], TranslationFile] = {}
    paths: dict[str, dict[str, str]] = {}  # each English version's texts, walked once
    for file in files:
        try:
            translation = read_translation(file, _read_json(file), english, paths)
        except CatalogueError as exc:
            errors.append(str(exc))
            continue
        translations[(translation.translation_of, translation.language)] = translation
    present = {match.group(2) for p in files if (match := TRANSLATION_PATTERN.match(p.name))}
    for code in sorted(set(languages) | present):
        expected = directory / f"catalogue-{current}.{code}.json"
        if not expected.exists():
            errors.append(f"{expected}: file not found (the policy in force, {current}, is not translated into {code})")
    if errors:
        raise CatalogueError("\n".join(errors))
    return translations


@dataclass
class Catalogues:
    """Every version in English and the checked translations; a translated catalogue (and the pseudo-locale's) is
    made when first asked for, then kept by (version, language)."""

    english: dict[str, Catalogue]  # oldest first
    translations: dict[tuple[str, str], TranslationFile]  # by (version, language)
    made: dict[tuple[str, str], Catalogue] = field(default_factory=dict)

    @property
    def current_version(self) -> str:
        return list(self.english)[-1]

    def get(self, locale: str, version: str | None = None) -> Catalogue:
        version = version or self.current_version
        english = self.english[version]  # KeyError: no such version
        if locale == DEFAULT_LOCALE:
            return english
        key = (version, locale)
        made = self.made.get(key)
        if made is None:
            if locale == PSEUDO_LOCALE:
                made = pseudo_catalogue(english)
            elif key in self.translations:
                made = translate(english, self.translations[key])
            else:
                # A language without a translation of this version (an older one, or a code no longer shipped):
                # English, never a crash; the start-up made sure the policy in force is in every shipped language.
                return english
            self.made[key] = made
        return made


def load_catalogues(directory: Path, languages: tuple[str, ...] = ()) -> Catalogues:
    english = load_catalogue(directory)
    return Catalogues(english, load_translations(directory, english, languages))


_loaded: Catalogues | None = None


def _catalogues() -> Catalogues:
    global _loaded
    if _loaded is None:
        _loaded = load_catalogues(get_settings().catalogue_dir, shipped_languages())
    return _loaded


def get_catalogue(locale: str | None = None, *, version: str | None = None) -> Catalogue:
    """The catalogue in force (or `version`), in the current language or `locale`; loaded and checked once, with all
    its translations, from the configured directory. Code that must not depend on the reader's language (what is
    signed, stored or matched) uses `source_catalogue()`."""
    return _catalogues().get(current_locale() if locale is None else locale, version)


def source_catalogue(version: str | None = None) -> Catalogue:
    """The catalogue in English, its source language, whatever the current language."""
    return get_catalogue(DEFAULT_LOCALE, version=version)


def reset_catalogue() -> None:
    global _loaded
    _loaded = None
