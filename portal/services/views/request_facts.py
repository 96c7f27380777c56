"""What a request asks for, in the customer's words: its payload as labelled, readable facts.

A payload is what the queue needs (purpose keys, booleans, category keys, internal ids); a customer needs
"Consent: withdrawn" and "Categories: Identity data, Usage data". Category and purpose names come from the
policy catalogue, the one registry of them; fields a customer has no use for (internal ids, a confirmation
flag, the filing channel) are left out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...catalogue import get_catalogue
from ...i18n import N_, _

# Payload keys only the queue uses.
_INTERNAL = frozenset(
    {"customer_id", "confirmed", "channel", "previous", "record_id", "fail_times", "label", "locale", "hold_ms"}
)
_LABELS = {
    "purpose": N_("Purpose"),
    "granted": N_("Consent"),
    "category": N_("Category"),
    "categories": N_("Categories"),
    "formats": N_("Formats"),
    "changes": N_("Changes"),
    "new_email": N_("New email address"),
    "reason": N_("Your reason"),
    "statement": N_("Your statement"),
    "kind": N_("Record"),
    "field": N_("Field"),
    "erase_confirmed": N_("Deletion confirmed"),
    "restriction_request": N_("Restriction to lift"),
}


@dataclass(frozen=True)
class Fact:
    key: str  # the payload key, for test ids
    label: str
    text: str


# Staff read the same facts about the customer, not as the customer.
_STAFF_LABELS = {**_LABELS, "reason": N_("Customer's reason"), "statement": N_("Customer's statement")}


def payload_facts(payload: dict[str, Any], *, for_staff: bool = False) -> list[Fact]:
    """The payload's facts a person needs, labelled for the customer (or, `for_staff`, about the customer).
    Staff still see the raw payload beside these; internal keys are left out of both audiences' facts."""
    labels = _STAFF_LABELS if for_staff else _LABELS
    return [
        Fact(key, _(labels[key]) if key in labels else key.replace("_", " ").capitalize(), _text(key, value))
        for key, value in payload.items()
        if key not in _INTERNAL and value not in (None, "", [], {})
    ]


def _text(key: str, value: Any) -> str:
    catalogue = get_catalogue()
    if key == "granted":
        return _("given") if value else _("withdrawn")
    if key == "purpose" and value in catalogue.purposes:
        return catalogue.purposes[value].title
    if key == "category" and value in catalogue.categories:
        return catalogue.categories[value].title
    if key == "categories" and isinstance(value, list):
        return ", ".join(catalogue.categories[c].title if c in catalogue.categories else str(c) for c in value)
    if key == "formats" and isinstance(value, list):
        return ", ".join(str(f).upper() for f in value)
    if key == "changes" and isinstance(value, dict):
        labels = (
            {f.key: f.label for kind in catalogue.categories["identity"].kinds for f in kind.fields}
            if "identity" in catalogue.categories
            else {}
        )
        return "; ".join(f"{labels.get(name, name.replace('_', ' '))}: {new}" for name, new in value.items())
    if key in ("kind", "field"):
        return str(value).replace("_", " ")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)
