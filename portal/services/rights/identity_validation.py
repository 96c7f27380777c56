"""Validation of identity fields a customer corrects. Every error is tied to its field and is a whole sentence saying
what to do ("Enter your postcode."), short enough to sit under its field; nothing raises for any input
(property-tested with hypothesis)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

COUNTRIES = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CH": "Switzerland",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IS": "Iceland",
    "IT": "Italy",
    "LI": "Liechtenstein",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MT": "Malta",
    "NL": "Netherlands",
    "NO": "Norway",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
    "US": "United States",
    "CA": "Canada",
    "AU": "Australia",
    "NZ": "New Zealand",
    "JP": "Japan",
    "CN": "China",
    "IN": "India",
    "BR": "Brazil",
}

# Postcode formats where they are well defined; other countries get the generic length/character check.
POSTCODES = {
    "AT": (r"\d{4}", "4 digits, e.g. 1010"),
    "BE": (r"\d{4}", "4 digits, e.g. 1000"),
    "CH": (r"\d{4}", "4 digits, e.g. 8001"),
    "DE": (r"\d{5}", "5 digits, e.g. 10115"),
    "DK": (r"\d{4}", "4 digits, e.g. 1050"),
    "ES": (r"\d{5}", "5 digits, e.g. 28001"),
    "FI": (r"\d{5}", "5 digits, e.g. 00100"),
    "FR": (r"\d{5}", "5 digits, e.g. 75001"),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "like SW1A 1AA"),
    "IT": (r"\d{5}", "5 digits, e.g. 00184"),
    "NL": (r"\d{4} ?[A-Z]{2}", "4 digits and 2 letters, e.g. 1012 AB"),
    "NO": (r"\d{4}", "4 digits, e.g. 0150"),
    "PL": (r"\d{2}-\d{3}", "like 00-001"),
    "PT": (r"\d{4}-\d{3}", "like 1000-001"),
    "SE": (r"\d{3} ?\d{2}", "like 111 22"),
    "US": (r"\d{5}(-\d{4})?", "5 digits, e.g. 94103"),
    "IE": (r"[A-Z]\d[\dW] ?[A-Z\d]{4}", "an Eircode like D02 X285"),
    "CA": (r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "like K1A 0B1"),
}

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
# How a message names each field ("Enter your street and house number."): the catalogue's labels are headings.
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
NOT_A_FIELD = "This is not an identity field."
# Control, format (zero-width, bidi overrides), unassigned, private-use and surrogate code points, and
# line/paragraph separators; a tab counts as a space.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
_PHONE_NOISE = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"\+[1-9]\d{6,14}")


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
            result.errors[str(key)[:40]] = NOT_A_FIELD
    for name, limit in LIMITS.items():
        value = raw.get(name, "")
        noun = NOUNS[name]
        if not isinstance(value, str):
            result.errors[name] = f"Enter your {noun} as text."
            continue
        # Refuse control and invisible characters before collapsing whitespace, which would hide a line break.
        if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES and ch != "\t" for ch in value):
            result.errors[name] = f"Remove the invisible or control characters from your {noun}."
            continue
        value = " ".join(value.split()) if name != "email" else value.strip()
        if len(value) > limit:
            result.errors[name] = f"Shorten your {noun} to {limit} characters at most."
        elif not value and name in REQUIRED:
            result.errors[name] = "Choose your country." if name == "country" else f"Enter your {noun}."
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
            result.errors["country"] = "Choose your country from the list."
            result.values.pop("country")
        else:
            result.values["country"] = country


def _check_email(result: ValidationResult, check_deliverability: bool) -> None:
    if not result.values.get("email"):
        return
    try:
        info = validate_email(result.values["email"], check_deliverability=check_deliverability)
    except EmailNotValidError as exc:
        result.errors["email"] = str(exc)  # email-validator's own words are whole sentences
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
        result.errors[name] = f"Enter the {NOUNS[name]} with its country code, e.g. +44 20 7946 0958."
        result.values.pop(name)


def _check_postcode(result: ValidationResult) -> None:
    postcode = result.values.get("postcode")
    if not postcode:
        return
    postcode = postcode.upper()
    rule = POSTCODES.get(result.values.get("country", ""))
    if rule and not re.fullmatch(rule[0], postcode):
        result.errors["postcode"] = f"Enter a postcode for {COUNTRIES[result.values['country']]} ({rule[1]})."
        result.values.pop("postcode")
    elif not re.fullmatch(r"[A-Z0-9][A-Z0-9 \-]{1,15}", postcode):
        result.errors["postcode"] = "Use only letters, digits, spaces and hyphens in the postcode."
        result.values.pop("postcode")
    else:
        result.values["postcode"] = postcode
