"""Validation of identity fields a customer corrects. Every error is tied to its field and is a whole sentence saying
what to do ("Enter your postcode."), short enough to sit under its field; nothing raises for any input
(property-tested with hypothesis)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from ...i18n import DEFAULT_LOCALE, N_, _, current_locale, ngettext
from ...i18n.formats import format_number
from .identity_places import COUNTRIES, POSTCODES

LIMITS = {
    "full_name": 120,
    "email": 254,
    "street": 120,
    "city": 80,
    "state": 80,
    "postcode": 16,
    "country": 2,
    "phone": 32,
    "fax": 32,
}
REQUIRED = {"full_name", "email", "street", "city", "postcode", "country", "phone"}
# How a message names each field ("Enter your street and house number."): the catalogue's labels are headings. The
# messages below spell each one out whole, for translation; these nouns are what they say in English.
NOUNS = {
    "full_name": "full name",
    "email": "email address",
    "street": "street and house number",
    "city": "town or city",
    "state": "state or region",
    "postcode": "postcode",
    "country": "country",
    "phone": "phone number",
    "fax": "fax number",
}
NOT_A_FIELD = N_("This is not an identity field.")
# Control, format (zero-width, bidi overrides), unassigned, private-use and surrogate code points, and
# line/paragraph separators; a tab counts as a space.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
_PHONE_NOISE = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")
# Each message whole, per field: a translation needs the noun's gender and case inside its sentence.
_ENTER = {
    "full_name": N_("Enter your full name."),
    "email": N_("Enter your email address."),
    "street": N_("Enter your street and house number."),
    "city": N_("Enter your town or city."),
    "postcode": N_("Enter your postcode."),
    "phone": N_("Enter your phone number."),
    "country": N_("Choose your country."),
}
_AS_TEXT = {
    "full_name": N_("Enter your full name as text."),
    "email": N_("Enter your email address as text."),
    "street": N_("Enter your street and house number as text."),
    "city": N_("Enter your town or city as text."),
    "state": N_("Enter your state or region as text."),
    "postcode": N_("Enter your postcode as text."),
    "country": N_("Enter your country as text."),
    "phone": N_("Enter your phone number as text."),
    "fax": N_("Enter your fax number as text."),
}
_INVISIBLE = {
    "full_name": N_("Remove the invisible or control characters from your full name."),
    "email": N_("Remove the invisible or control characters from your email address."),
    "street": N_("Remove the invisible or control characters from your street and house number."),
    "city": N_("Remove the invisible or control characters from your town or city."),
    "state": N_("Remove the invisible or control characters from your state or region."),
    "postcode": N_("Remove the invisible or control characters from your postcode."),
    "country": N_("Remove the invisible or control characters from your country."),
    "phone": N_("Remove the invisible or control characters from your phone number."),
    "fax": N_("Remove the invisible or control characters from your fax number."),
}


def _too_long(name: str, limit: int) -> str:
    """ "Shorten your full name to 120 characters at most.", with the plural of the language."""
    if name == "full_name":
        message = ngettext(
            "Shorten your full name to {limit} character at most.",
            "Shorten your full name to {limit} characters at most.",
            limit,
        )
    elif name == "email":
        message = ngettext(
            "Shorten your email address to {limit} character at most.",
            "Shorten your email address to {limit} characters at most.",
            limit,
        )
    elif name == "street":
        message = ngettext(
            "Shorten your street and house number to {limit} character at most.",
            "Shorten your street and house number to {limit} characters at most.",
            limit,
        )
    elif name == "city":
        message = ngettext(
            "Shorten your town or city to {limit} character at most.",
            "Shorten your town or city to {limit} characters at most.",
            limit,
        )
    elif name == "state":
        message = ngettext(
            "Shorten your state or region to {limit} character at most.",
            "Shorten your state or region to {limit} characters at most.",
            limit,
        )
    elif name == "postcode":
        message = ngettext(
            "Shorten your postcode to {limit} character at most.",
            "Shorten your postcode to {limit} characters at most.",
            limit,
        )
    elif name == "country":
        message = ngettext(
            "Shorten your country to {limit} character at most.",
            "Shorten your country to {limit} characters at most.",
            limit,
        )
    elif name == "phone":
        message = ngettext(
            "Shorten your phone number to {limit} character at most.",
            "Shorten your phone number to {limit} characters at most.",
            limit,
        )
    else:
        message = ngettext(
            "Shorten your fax number to {limit} character at most.",
            "Shorten your fax number to {limit} characters at most.",
            limit,
        )
    return message.format(limit=format_number(limit))


_NO_COUNTRY_CODE = {
    "phone": N_("Enter the phone number with its country code, e.g. +44 20 7946 0958."),
    "fax": N_("Enter the fax number with its country code, e.g. +44 20 7946 0958."),
}


@dataclass
class ValidationResult:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_identity(raw: dict[str, object], *, check_deliverability: bool = False) -> ValidationResult:
    """Validate a complete identity form (all fields in LIMITS). Unknown keys are errors too."""
    result = ValidationResult()
    for key in raw:
        if key not in LIMITS:
            result.errors[str(key)[:40]] = _(NOT_A_FIELD)
    for name, limit in LIMITS.items():
        value = raw.get(name, "")
        if not isinstance(value, str):
            result.errors[name] = _(_AS_TEXT[name])
            continue
        # Refuse control and invisible characters before collapsing whitespace, which would hide a line break.
        if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES and ch != "\t" for ch in value):
            result.errors[name] = _(_INVISIBLE[name])
            continue
        value = " ".join(value.split()) if name != "email" else value.strip()
        if len(value) > limit:
            result.errors[name] = _too_long(name, limit)
        elif not value and name in REQUIRED:
            result.errors[name] = _(_ENTER[name])
        else:
            result.values[name] = value
    _check_country(result)
    _check_email(result, check_deliverability)
    _check_phone(result, "phone")
    _check_phone(result, "fax")
    _check_postcode(result)
    return result


def _check_country(result: ValidationResult) -> None:
    country = result.values.get("country", "").upper()
    if "country" in result.values:
        if country not in COUNTRIES:
            result.errors["country"] = _("Choose your country from the list.")
            result.values.pop("country")
        else:
            result.values["country"] = country


def _check_email(result: ValidationResult, check_deliverability: bool) -> None:
    if not result.values.get("email"):
        return
    try:
        info = validate_email(result.values["email"], check_deliverability=check_deliverability)
    except EmailNotValidError as exc:
        result.errors["email"] = _email_problem(exc)
        result.values.pop("email")
        return
    result.values["email"] = info.normalized.lower()


def _check_phone(result: ValidationResult, name: str) -> None:
    value = result.values.get(name)
    if not value:
        return
    digits = _PHONE_NOISE.sub("", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not _PHONE.fullmatch(digits):
        result.errors[name] = _(_NO_COUNTRY_CODE[name])
        result.values.pop(name)


def _check_postcode(result: ValidationResult) -> None:
    postcode = result.values.get("postcode")
    if not postcode:
        return
    postcode = postcode.upper()
    rule = POSTCODES.get(result.values.get("country", ""))
    if rule and not re.fullmatch(rule[0], postcode):
        result.errors["postcode"] = _("Enter a postcode for {country} ({format}).").format(
            country=_(COUNTRIES[result.values["country"]]), format=_(rule[1])
        )
        result.values.pop("postcode")
    elif not re.fullmatch(r"[A-Z0-9][A-Z0-9 \-]{1,15}", postcode):
        result.errors["postcode"] = _("Use only letters, digits, spaces and hyphens in the postcode.")
        result.values.pop("postcode")
    else:
        result.values["postcode"] = postcode


def _email_problem(exc: EmailNotValidError) -> str:
    """email-validator's own words are whole sentences, in English: English readers get them; everyone else gets
    the same advice in their language (without the detail of which character or part was wrong)."""
    if current_locale() == DEFAULT_LOCALE:
        return str(exc)
    return _("This is not a valid email address. Enter it in full, like name@example.com.")
