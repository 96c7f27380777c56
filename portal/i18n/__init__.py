"""The portal's languages: gettext catalogues managed with Babel, the pseudo-locale, and Babel's formats.

Everything a person reads goes through `_` / `ngettext` (portal.i18n.translate) and the formats here, in the
language and time zone of the context (portal.i18n.context). How to add a language: docs/translations.md."""

from .catalogs import Language, TranslationError, check_catalogues, language_codes, languages
from .context import (
    DEFAULT_LOCALE,
    DEFAULT_TIME_ZONE,
    current_locale,
    current_time_zone,
    current_time_zone_name,
    set_locale,
    using_locale,
    valid_time_zone,
)
from .negotiation import choose, from_accept_language, known
from .pseudo import PSEUDO_LOCALE
from .translate import N_, _, gettext, ngettext, pgettext

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_TIME_ZONE",
    "N_",
    "PSEUDO_LOCALE",
    "Language",
    "TranslationError",
    "_",
    "check_catalogues",
    "choose",
    "current_locale",
    "current_time_zone",
    "current_time_zone_name",
    "from_accept_language",
    "gettext",
    "known",
    "language_codes",
    "languages",
    "ngettext",
    "pgettext",
    "set_locale",
    "using_locale",
    "valid_time_zone",
]
