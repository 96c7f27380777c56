"""The policy catalogue as typed, immutable objects (what the loader returns)."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY_KEYS = ("registration", "identity", "financial", "transaction", "usage", "technical")
DISPLAYS = ("text", "datetime", "money", "bytes", "card_mask", "account_mask", "password_set_on")
WITHDRAWAL_ACTIONS = ("erase", "retain_pseudonymised")
RETENTION_RULES = ("account_lifetime", "days_after_record", "years_after_record")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    display: str = "text"


@dataclass(frozen=True)
class RecordKind:
    key: str
    title: str
    fields: tuple[Field, ...]
    single: bool = False
    default_sort: str | None = None


@dataclass(frozen=True)
class Retention:
    rule: str
    description: str
    days: int | None = None
    years: int | None = None


@dataclass(frozen=True)
class Withdrawal:
    action: str
    explanation: str
    legal_basis: str | None = None
    retained_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    policy_heading: str
    policy_text: str
    purposes: tuple[str, ...]
    legal_basis: str
    retention: Retention
    recipients: tuple[str, ...]
    source: str
    on_withdrawal: Withdrawal
    kinds: tuple[RecordKind, ...]


@dataclass(frozen=True)
class Purpose:
    key: str
    title: str
    description: str
    policy_text: str | None
    legal_basis: str
    consentable: bool
    sale_or_sharing: bool
    direct_marketing: bool
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class LegalBasis:
    key: str
    title: str
    reference: str
    explanation: str


@dataclass(frozen=True)
class Recipient:
    key: str
    name: str
    role: str
    data_processing_agreement: bool
    location: str


@dataclass(frozen=True)
class NotCollected:
    key: str
    title: str
    policy_text: str


@dataclass(frozen=True)
class Catalogue:
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
