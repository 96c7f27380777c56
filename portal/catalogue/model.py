"""The policy catalogue as typed, immutable objects: each entry type is also its own schema.

The entries are pydantic dataclasses, so building one (from the JSON file or in code) checks it, while the rest
of the portal keeps using them as plain frozen dataclasses (attributes, `dataclasses.replace`, hashing). A rule
that needs other sections of the file (a purpose's legal basis must be one the file defines) lives in
document.py, which sees the whole file; `Catalogue` is the shape the portal reads, keyed for look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass as plain_dataclass
from typing import Annotated

from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass

from .checks import Flag, Key, NonEmpty, Positive, Text, one_of, problem

CATEGORY_KEYS = ("registration", "identity", "financial", "transaction", "usage", "technical")
DISPLAYS = ("text", "datetime", "money", "bytes", "card_mask", "account_mask", "password_set_on")
WITHDRAWAL_ACTIONS = ("erase", "retain_pseudonymised")
RETENTION_RULES = ("account_lifetime", "days_after_record", "years_after_record")

# An unknown key is refused rather than ignored: a misspelt "default_sot" would otherwise vanish silently.
SCHEMA = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=SCHEMA)
class Field:
    key: Key
    label: Text
    display: Annotated[str, one_of(DISPLAYS)] = "text"


@dataclass(frozen=True, config=SCHEMA)
class RecordKind:
    key: Key
    title: Text
    fields: NonEmpty[Field]
    single: Flag = False
    default_sort: str | None = None

    @model_validator(mode="after")
    def _sorts_by_its_own_field(self) -> RecordKind:
        if self.default_sort is not None and self.default_sort not in {f.key for f in self.fields}:
            raise problem(f"{self.default_sort!r} is not one of this kind's fields", "default_sort")
        return self


@dataclass(frozen=True, config=SCHEMA)
class Retention:
    rule: Annotated[str, one_of(RETENTION_RULES)]
    description: Text
    days: Positive | None = None
    years: Positive | None = None

    @model_validator(mode="after")
    def _rule_has_its_period(self) -> Retention:
        for unit in ("days", "years"):
            if self.rule == f"{unit}_after_record" and getattr(self, unit) is None:
                raise problem(f"is required when the rule is {self.rule}", unit)
        return self


@dataclass(frozen=True, config=SCHEMA)
class Withdrawal:
    action: Annotated[str, one_of(WITHDRAWAL_ACTIONS)]
    explanation: Text
    legal_basis: str | None = None  # checked against the file's legal bases in document.py
    retained_kinds: tuple[str, ...] = ()


@dataclass(frozen=True, config=SCHEMA)
class Category:
    key: Key
    title: Text
    policy_heading: Text
    policy_text: Text
    purposes: NonEmpty[str]
    legal_basis: str
    retention: Retention
    recipients: NonEmpty[str]
    source: Text
    on_withdrawal: Withdrawal
    kinds: NonEmpty[RecordKind]

    @model_validator(mode="after")
    def _retains_only_its_own_kinds(self) -> Category:
        retained, own = self.on_withdrawal.retained_kinds, {k.key for k in self.kinds}
        if self.on_withdrawal.action == "retain_pseudonymised" and (not retained or not own.issuperset(retained)):
            raise problem(
                f"must list kinds of this category ({', '.join(sorted(own))})", "on_withdrawal", "retained_kinds"
            )
        return self


@dataclass(frozen=True, config=SCHEMA)
class Purpose:
    key: Key
    title: Text
    description: Text
    legal_basis: str
    consentable: Flag
    sale_or_sharing: Flag
    direct_marketing: Flag
    recipients: NonEmpty[str]
    policy_text: Text | None = None  # only purposes the policy words separately quote it


@dataclass(frozen=True, config=SCHEMA)
class LegalBasis:
    key: Key
    title: Text
    reference: Text
    explanation: Text


@dataclass(frozen=True, config=SCHEMA)
class Recipient:
    key: Key
    name: Text
    role: Text
    data_processing_agreement: Flag
    location: Text


@dataclass(frozen=True, config=SCHEMA)
class NotCollected:
    key: Key
    title: Text
    policy_text: Text


# --- portal records: tables outside the policy's categories that can hold something about a customer -------------

ERASURE_ACTIONS = ("erase", "pseudonymise", "keep")


@dataclass(frozen=True, config=SCHEMA)
class PortalRecord:
    """A table of the portal that is not a policy category's record kind (requests, their notes, sessions, mail,
    support logs, the audit trail...) and what a customer's erasure does to their rows in it. The registry
    (portal/categories/portal_records.py) refuses a table it does not know, and a table nobody decided about."""

    table: Key
    on_erasure: Annotated[str, one_of(ERASURE_ACTIONS)]
    reason: Text
    legal_basis: str | None = None  # what lets us keep the rows; checked against the file's legal bases in document.py

    @model_validator(mode="after")
    def _kept_on_a_legal_basis(self) -> PortalRecord:
        if self.on_erasure != "erase" and self.legal_basis is None:
            raise problem(f"is required when on_erasure is {self.on_erasure}", "legal_basis")
        return self


@plain_dataclass(frozen=True)
class Catalogue:
    """One policy version as the portal reads it: sections keyed by their entries' keys, categories in policy order.

    A plain dataclass: it is built from an already checked file (document.py), not from input.
    """

    policy_version: str
    effective_date: str
    source_file: str
    controller_name: str
    controller_contact: str
    summary: str
    changes_notice: str
    legal_bases: dict[str, LegalBasis]
    recipients: dict[str, Recipient]
    purposes: dict[str, Purpose]
    not_collected: tuple[NotCollected, ...]
    categories: dict[str, Category]
    portal_records: dict[str, PortalRecord]  # by table, in the file's order (the order erasure treats them)

    def category(self, key: str) -> Category:
        return self.categories[key]

    def kind(self, kind_key: str) -> tuple[Category, RecordKind]:
        for category in self.categories.values():
            for kind in category.kinds:
                if kind.key == kind_key:
                    return category, kind
        raise KeyError(kind_key)

    @property
    def consentable_purposes(self) -> list[Purpose]:
        return [p for p in self.purposes.values() if p.consentable]
