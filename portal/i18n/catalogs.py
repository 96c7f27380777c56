"""The shipped languages and their gettext catalogues (portal/i18n/locales/<code>/LC_MESSAGES/messages.po).

A language ships when its directory exists; English is the source language and needs none. At start-up
`check_catalogues` refuses a language whose catalogue misses a message of the template (messages.pot, extracted by
Babel from the code: docs/translations.md), leaves one empty or fuzzy, or changes a placeholder: a customer would
otherwise read English in the middle of their language, or a crash where "{count}" was translated.

Catalogues are compiled in memory from the .po files when first used: no .mo build step to forget."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from ..errors import PortalError
from .context import DEFAULT_LOCALE

LOCALES_DIR = Path(__file__).parent / "locales"
TEMPLATE = LOCALES_DIR / "messages.pot"
DOMAIN = "messages"

_PLACEHOLDER = re.compile(r"\{([^{}:!]*)[^{}]*\}")


class TranslationError(PortalError):
    """A shipped language is incomplete or broken; the portal does not start with it."""


@dataclass(frozen=True)
class Language:
    code: str  # "de", "zh_Hans": the catalogue directory's name, the cookie's and the account's value
    name: str  # in the language itself: "Deutsch", "简体中文"

    @property
    def tag(self) -> str:
        """The BCP 47 tag for HTML's lang attribute and Accept-Language: "zh-Hans"."""
        return self.code.replace("_", "-")


def catalogue_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def _native_name(code: str) -> str:
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    if code == "zh_Hans":  # Babel says "中文 (简体)"; the usual label in a language menu
        return "简体中文"
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=1)
def languages() -> tuple[Language, ...]:
    """English first, then every language with a catalogue directory, in the order of their codes."""
    found = LOCALES_DIR.iterdir() if LOCALES_DIR.is_dir() else iter(())
    codes = sorted(p.name for p in found if catalogue_path(p.name).is_file())
    return (Language(DEFAULT_LOCALE, "English"), *(Language(code, _native_name(code)) for code in codes))


def language_codes() -> tuple[str, ...]:
    return tuple(language.code for language in languages())


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale, domain=DOMAIN)


@lru_cache(maxsize=16)
def translations(code: str) -> Translations:
    catalog = _read(catalogue_path(code), code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def _problems_of(message: Message, plurals: int) -> list[str]:
    msgid = message.id
    if isinstance(msgid, (tuple, list)):
        singular, plural = str(msgid[0]), str(msgid[1])
        raw = message.string
        strings = tuple(str(s or "") for s in raw) if isinstance(raw, (tuple, list)) else (str(raw or ""),)
        if len(strings) != plurals or not all(strings):
            return [f"{singular!r}: needs {plurals} plural form(s)"]
        wanted = _placeholders(singular) | _placeholders(plural)
        for form in strings:
            # a form may leave out the count ("one record" for 1) but never invents a placeholder
            if not _placeholders(form) <= wanted:
                return [f"{singular!r}: placeholders {sorted(_placeholders(form))} instead of {sorted(wanted)}"]
        return []
    if not message.string:
        return [f"{msgid!r}: not translated"]
    msgid = str(msgid)
    if _placeholders(str(message.string)) != _placeholders(msgid):
        return [
            f"{msgid!r}: placeholders {sorted(_placeholders(str(message.string)))} instead of "
            f"{sorted(_placeholders(msgid))}"
        ]
    return []


def catalogue_problems(code: str) -> list[str]:
    """Every way the language's catalogue falls short of the template: missing, empty, fuzzy, broken placeholders."""
    template = _read(TEMPLATE)
    catalog = _read(catalogue_path(code), code)
    problems: list[str] = []
    for wanted in template:
        if not wanted.id:
            continue
        found = catalog.get(wanted.id, wanted.context)
        key = wanted.id[0] if isinstance(wanted.id, tuple) else wanted.id
        if found is None:
            problems.append(f"{key!r}: missing")
        elif found.fuzzy:
            problems.append(f"{key!r}: marked fuzzy")
        else:
            problems.extend(_problems_of(found, catalog.num_plurals))
    return problems


def check_catalogues() -> None:
    """At start-up: every shipped language is complete, or the portal refuses to start and says what is missing."""
    messages = []
    for language in languages()[1:]:
        problems = catalogue_problems(language.code)
        if problems:
            shown = "\n  ".join(problems[:20])
            more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
            messages.append(f"{catalogue_path(language.code)}: {len(problems)} problem(s):\n  {shown}{more}")
    if messages:
        raise TranslationError(
            "Incomplete translations; complete them or remove the language (docs/translations.md):\n"
            + "\n".join(messages)
        )
