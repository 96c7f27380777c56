"""The countries an identity may name and the postcode formats the portal knows, as data for identity_validation.py
and the correction form."""

from __future__ import annotations

from ...i18n import N_

# Country names are marked here and shown with _(COUNTRIES[code]).
COUNTRIES = {
    "AT": N_("Austria"),
    "BE": N_("Belgium"),
    "BG": N_("Bulgaria"),
    "CH": N_("Switzerland"),
    "CY": N_("Cyprus"),
    "CZ": N_("Czechia"),
    "DE": N_("Germany"),
    "DK": N_("Denmark"),
    "EE": N_("Estonia"),
    "ES": N_("Spain"),
    "FI": N_("Finland"),
    "FR": N_("France"),
    "GB": N_("United Kingdom"),
    "GR": N_("Greece"),
    "HR": N_("Croatia"),
    "HU": N_("Hungary"),
    "IE": N_("Ireland"),
    "IS": N_("Iceland"),
    "IT": N_("Italy"),
    "LI": N_("Liechtenstein"),
    "LT": N_("Lithuania"),
    "LU": N_("Luxembourg"),
    "LV": N_("Latvia"),
    "MT": N_("Malta"),
    "NL": N_("Netherlands"),
    "NO": N_("Norway"),
    "PL": N_("Poland"),
    "PT": N_("Portugal"),
    "RO": N_("Romania"),
    "SE": N_("Sweden"),
    "SI": N_("Slovenia"),
    "SK": N_("Slovakia"),
    "US": N_("United States"),
    "CA": N_("Canada"),
    "AU": N_("Australia"),
    "NZ": N_("New Zealand"),
    "JP": N_("Japan"),
    "CN": N_("China"),
    "IN": N_("India"),
    "BR": N_("Brazil"),
}

# Postcode formats where they are well defined; other countries get the generic length/character check.
# The hints are marked here and shown with _(hint).
POSTCODES = {
    "AT": (r"\d{4}", N_("4 digits, e.g. 1010")),
    "BE": (r"\d{4}", N_("4 digits, e.g. 1000")),
    "CH": (r"\d{4}", N_("4 digits, e.g. 8001")),
    "DE": (r"\d{5}", N_("5 digits, e.g. 10115")),
    "DK": (r"\d{4}", N_("4 digits, e.g. 1050")),
    "ES": (r"\d{5}", N_("5 digits, e.g. 28001")),
    "FI": (r"\d{5}", N_("5 digits, e.g. 00100")),
    "FR": (r"\d{5}", N_("5 digits, e.g. 75001")),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", N_("like SW1A 1AA")),
    "IT": (r"\d{5}", N_("5 digits, e.g. 00184")),
    "NL": (r"\d{4} ?[A-Z]{2}", N_("4 digits and 2 letters, e.g. 1012 AB")),
    "NO": (r"\d{4}", N_("4 digits, e.g. 0150")),
    "PL": (r"\d{2}-\d{3}", N_("like 00-001")),
    "PT": (r"\d{4}-\d{3}", N_("like 1000-001")),
    "SE": (r"\d{3} ?\d{2}", N_("like 111 22")),
    "US": (r"\d{5}(-\d{4})?", N_("5 digits, e.g. 94103")),
    "IE": (r"[A-Z]\d[\dW] ?[A-Z\d]{4}", N_("an Eircode like D02 X285")),
    "CA": (r"[A-Z]\d[A-Z] ?\d[A-Z]\d", N_("like K1A 0B1")),
}
