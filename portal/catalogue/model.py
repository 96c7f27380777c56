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

from ..i18n import DEFAULT_LOCALE, _, current_locale
from .checks import Flag, Key, NonEmpty, Positive, Prose, Text, one_of, problem

CATEGORY_KEYS = ("registration", "identity", "financial", "transaction", "usage", "technical")
DISPLAYS = ("text", "datetime", "money", "bytes", "card_mask", "account_mask", "password_set_on", "user_agent")
WITHDRAWAL_ACTIONS = ("erase", "retain_pseudonymised")
# What withdrawing one consent does to the data it covered: erase or pseudonymise records, stop a processing
# (nothing held changes), or keep records under another legal basis (which the effect must name).
CONSENT_EFFECTS = ("erase", "pseudonymise", "stop", "keep")
RETENTION_RULES = ("account_lifetime", "days_after_record", "years_after_record")

# Languages that write nouns with a capital (German): a recipient's kind keeps it inside a sentence.
_CAPITALISED_NOUNS = frozenset({"de"})

# An unknown key is refused rather than ignored: a misspelt "default_sot" would otherwise vanish silently.
SCHEMA = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=SCHEMA)
class Field:
    key: Key
    label: Prose
    display: Annotated[str, one_of(DISPLAYS)] = "text"


@dataclass(frozen=True, config=SCHEMA)
class KindRecipient:
    """A recipient that receives records of a kind, and for which purpose (document.py checks both keys)."""

    recipient: str
    purpose: str


@dataclass(frozen=True, config=SCHEMA)
class RecordKind:
    key: Key
    title: Prose
    fields: NonEmpty[Field]
    single: Flag = False
    default_sort: str | None = None
    recipients: tuple[KindRecipient, ...] = ()

    @model_validator(mode="after")
    def _sorts_by_its_own_field(self) -> RecordKind:
        if self.default_sort is not None and self.default_sort not in {f.key for f in self.fields}:
            raise problem(f"{self.default_sort!r} is not one of this kind's fields", "default_sort")
        return self


@dataclass(frozen=True, config=SCHEMA)
class Retention:
    rule: Annotated[str, one_of(RETENTION_RULES)]
    description: Prose
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
    explanation: Prose
    legal_basis: str | None = None  # checked against the file's legal bases in document.py
    retained_kinds: tuple[str, ...] = ()


@dataclass(frozen=True, config=SCHEMA)
class Category:
    key: Key
    title: Prose
    policy_heading: Prose
    policy_text: Prose
    purposes: NonEmpty[str]
    legal_basis: str
    retention: Retention
    recipients: NonEmpty[str]
    source: Prose
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
class ConsentEffect:
    """One thing withdrawing a consent does; `kinds` are the record kinds it acts on (document.py checks them)."""

    action: Annotated[str, one_of(CONSENT_EFFECTS)]
    explanation: Prose
    kinds: tuple[str, ...] = ()
    legal_basis: str | None = None  # checked against the file's legal bases in document.py

    @model_validator(mode="after")
    def _says_what_and_why(self) -> ConsentEffect:
        if self.action in ("erase", "pseudonymise", "keep") and not self.kinds:
            raise problem(f"must name the record kinds it {self.action}s", "kinds")
        if self.action in ("keep", "pseudonymise") and not self.legal_basis:
            raise problem("must name the legal basis the records are kept on", "legal_basis")
        return self


@dataclass(frozen=True, config=SCHEMA)
class ConsentWithdrawal:
    """What withdrawing a consent does. `is_account_withdrawal`: this consent is the one all processing rests on,
    so withdrawing it is the withdrawal (/withdraw: everything is erased and the account closed)."""

    summary: Prose
    effects: tuple[ConsentEffect, ...] = ()
    is_account_withdrawal: Flag = False

    @model_validator(mode="after")
    def _has_effects(self) -> ConsentWithdrawal:
        if not self.is_account_withdrawal and not self.effects:
            raise problem("must list what withdrawing does (or be the account withdrawal)", "effects")
        return self

    @property
    def erases(self) -> bool:
        """Withdrawing destroys data: it needs a preview and a confirmation, and earns a receipt."""
        return self.is_account_withdrawal or any(e.action in ("erase", "pseudonymise") for e in self.effects)


@dataclass(frozen=True, config=SCHEMA)
class Purpose:
    key: Key
    title: Prose
    description: Prose
    legal_basis: str
    consentable: Flag
    sale_or_sharing: Flag
    direct_marketing: Flag
    recipients: NonEmpty[str]
    policy_text: Prose | None = None  # only purposes the policy words separately quote it
    on_withdrawal: ConsentWithdrawal | None = None

    @model_validator(mode="after")
    def _consent_says_what_withdrawing_does(self) -> Purpose:
        if self.consentable and self.on_withdrawal is None:
            raise problem("a purpose you can consent to must say what withdrawing the consent does", "on_withdrawal")
        if not self.consentable and self.on_withdrawal is not None:
            raise problem("only a purpose you can consent to can be withdrawn", "on_withdrawal")
        return self


@dataclass(frozen=True, config=SCHEMA)
class LegalBasis:
    key: Key
    title: Prose
    # "GDPR Art. 6(1)(b)", "Art. 6 Abs. 1 lit. b DSGVO": cited as each language's text of the GDPR cites itself
    reference: Prose
    explanation: Prose


@dataclass(frozen=True, config=SCHEMA)
class Recipient:
    """A named recipient (Art. 15(1)(c) as the EU Court of Justice reads it, C-154/21: the actual identity, not only
    the kind). Outside the EEA a transfer needs a safeguard (Art. 44-46), which the entry must name."""

    key: Key
    name: Prose  # what kind of recipient, in words ("Payment service provider")
    legal_name: Text  # names, country codes and contacts are the same in every language
    role: Prose
    data_processing_agreement: Flag
    location: Prose
    country: Text
    contact: Text
    outside_eea: Flag = False
    transfer_safeguard: Prose | None = None

    @property
    def label(self) -> str:
        """The recipient as a customer reads it: who it is, what it does for us, where, and under what safeguard.
        Worded in the current language, which is the language of the catalogue it came from (`get_catalogue()`)."""
        # Inside the brackets the kind of recipient is lower-cased, except where nouns keep their capital.
        kind = self.name if current_locale() in _CAPITALISED_NOUNS else self.name.lower()
        text = _("{legal_name} ({kind}, {role}, {location})").format(
            legal_name=self.legal_name, kind=kind, role=self.role, location=self.location
        )
        if not self.transfer_safeguard:
            return text
        return _("{recipient}; transferred under {safeguard}").format(recipient=text, safeguard=self.transfer_safeguard)

    @model_validator(mode="after")
    def _transfer_has_a_safeguard(self) -> Recipient:
        if self.outside_eea and not self.transfer_safeguard:
            raise problem("a recipient outside the EEA must name its transfer safeguard", "transfer_safeguard")
        return self


@dataclass(frozen=True, config=SCHEMA)
class NotCollected:
    key: Key
    title: Prose
    policy_text: Prose


# --- portal records: tables outside the policy's categories that can hold something about a customer -------------

ERASURE_ACTIONS = ("erase", "pseudonymise", "keep")


@dataclass(frozen=True, config=SCHEMA)
class PortalRecord:
    """A table of the portal that is not a policy category's record kind (requests, their notes, sessions, mail,
    support logs, the audit trail...) and what a customer's erasure does to their rows in it. The registry
    (portal/categories/portal_records.py) refuses a table it does not know, and a table nobody decided about."""

    table: Key
    on_erasure: Annotated[str, one_of(ERASURE_ACTIONS)]
    reason: Prose
    legal_basis: str | None = None  # what lets us keep the rows; checked against the file's legal bases in document.py

    @model_validator(mode="after")
    def _kept_on_a_legal_basis(self) -> PortalRecord:
        if self.on_erasure != "erase" and self.legal_basis is None:
            raise problem(f"is required when on_erasure is {self.on_erasure}", "legal_basis")
        return self


@plain_dataclass(frozen=True)
class Catalogue:
    """One policy version as the portal reads it, in one language: sections keyed by their entries' keys, categories
    in policy order.

    A plain dataclass: it is built from an already checked file (document.py), not from input. A translation
    (translation.py) is the English catalogue with its `Prose` texts replaced: every key, number and flag is the
    same, `language` says which, and `translation_notice` is what a page shows beside translated policy text
    ("This is a translation; the English version prevails.", in that language); None in English.
    """

    policy_version: str
    effective_date: str
    source_file: str
    controller_name: str
    controller_contact: str
    summary: Prose
    changes_notice: Prose
    legal_bases: dict[str, LegalBasis]
    recipients: dict[str, Recipient]
    purposes: dict[str, Purpose]
    not_collected: tuple[NotCollected, ...]
    categories: dict[str, Category]
    portal_records: dict[str, PortalRecord]  # by table, in the file's order (the order erasure treats them)
    language: str = DEFAULT_LOCALE
    translation_notice: str | None = None

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
