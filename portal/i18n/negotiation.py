"""Which language a person gets: their saved choice, else what their browser asks for, else English."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError, negotiate_locale

from .catalogs import language_codes
from .context import DEFAULT_LOCALE
from .pseudo import PSEUDO_LOCALE

# What browsers send for the shipped codes that Babel's matching would not find on its own.
_ALIASES = {"zh": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "zh_Hans_CN": "zh_Hans"}


def known(code: str | None, *, allow_pseudo: bool = True) -> str | None:
    """A shipped language code from a cookie, query parameter or stored choice ("de", "de-DE", "zh-CN"), else None."""
    if not code or len(code) > 35:
        return None
    if allow_pseudo and code == PSEUDO_LOCALE:
        return code
    normalised = code.replace("-", "_")
    shipped = language_codes()
    if normalised in shipped:
        return normalised
    if normalised in _ALIASES:
        return _ALIASES[normalised]
    try:
        locale = Locale.parse(normalised)
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if locale.language == "zh" and locale.script in (None, "Hans"):
        return "zh_Hans" if "zh_Hans" in shipped else None
    return locale.language if locale.language in shipped else None


def from_accept_language(header: str | None) -> str | None:
    """The first shipped language the browser asks for, by its q-values ("de-CH,de;q=0.9,en;q=0.5" → "de")."""
    if not header:
        return None
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag.strip()))
    preferred = [tag for _, _, tag in sorted(weighted)]
    for tag in preferred:
        code = known(tag, allow_pseudo=False)
        if code:
            return code
    matched = negotiate_locale([t.replace("-", "_") for t in preferred], list(language_codes()))
    return matched


def choose(*, query: str | None, cookie: str | None, saved: str | None, accept_language: str | None) -> str:
    """A language pinned in the address (QA, a shared link), else the last one picked on this browser (the menu sets
    the cookie and, signed in, the account too), else the account's saved choice (a new browser), else the browser's
    own, else English."""
    return known(query) or known(cookie) or known(saved) or from_accept_language(accept_language) or DEFAULT_LOCALE
