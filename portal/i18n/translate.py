"""gettext for the portal: `_("Your data")`, `ngettext("{count} record", "{count} records", n)`, `N_` to mark.

Call `_` where the text is shown, never at import: a module-level `_()` would freeze one language for everyone.
A module-level constant is marked with `N_` (Babel extracts it) and translated with `_` where it is used.
Placeholders are named and filled after translation, `_("Sent on {date}").format(date=...)`, so a translator can
move them (German puts the verb last)."""

from __future__ import annotations

from .catalogs import language_codes, translations
from .context import DEFAULT_LOCALE, current_locale
from .pseudo import PSEUDO_LOCALE, pseudo


def gettext(message: str) -> str:
    locale = current_locale()
    if locale == DEFAULT_LOCALE or not message:
        return message
    if locale == PSEUDO_LOCALE:
        return pseudo(message)
    if locale not in language_codes():  # a language removed since the cookie was set: English, never a crash
        return message
    return translations(locale).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` in the current language: English and German have two, French treats 0 as singular,
    Chinese has one. The caller formats the count into it."""
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        return singular if n == 1 else plural
    if locale == PSEUDO_LOCALE:
        return pseudo(singular if n == 1 else plural)
    if locale not in language_codes():
        return singular if n == 1 else plural
    return translations(locale).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """For one English word with two meanings ("Open" a dialog, an "Open" request): the context tells them apart."""
    locale = current_locale()
    if locale == DEFAULT_LOCALE:
        return message
    if locale == PSEUDO_LOCALE:
        return pseudo(message)
    if locale not in language_codes():
        return message
    return str(translations(locale).pgettext(context, message))


def N_(message: str) -> str:
    """Marks a string for extraction without translating it now (module-level constants)."""
    return message


_ = gettext
