"""A catalogue file as written (schema 1), and the rules that join its sections to one another.

The entries check themselves (model.py); what only the whole file can answer is checked here: keys are unique,
every reference names a legal basis, recipient or purpose the file defines, the categories are exactly the
policy's six, a record kind belongs to one category, and the version is the one in the file name.
"""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from pydantic import AfterValidator, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass

from .checks import NonEmpty, Text, problem, reference, references
from .model import (
    CATEGORY_KEYS,
    SCHEMA,
    Catalogue,
    Category,
    LegalBasis,
    NotCollected,
    PortalRecord,
    Purpose,
    Recipient,
)

FILE_PATTERN = re.compile(r"^catalogue-(\d+(?:\.\d+)*)\.json$")
_Entry = TypeVar("_Entry", LegalBasis, Recipient, Purpose, NotCollected, Category)  # the sections keyed by `key`


def _known_schema(value: object) -> object:
    if value != 1:
        raise problem("must be 1 (the only catalogue schema this portal understands)")
    return value


@dataclass(frozen=True, config=SCHEMA)
class Controller:
    name: Text
    contact: Text


@dataclass(frozen=True, config=SCHEMA)
class CatalogueFile:
    # Sections come in the order they may refer to each other: a rule on a later section reads the earlier
    # ones from `info.data` (absent when they were themselves broken: that error is the one reported).
    schema: Annotated[object, AfterValidator(_known_schema)]
    policy_version: Text
    effective_date: Text
    source: Text
    controller: Controller
    summary: Text
    changes_notice: Text
    legal_bases: NonEmpty[LegalBasis]
    recipients: NonEmpty[Recipient]
    purposes: NonEmpty[Purpose]
    not_collected: NonEmpty[NotCollected]
    categories: NonEmpty[Category]
    portal_records: NonEmpty[PortalRecord]

    @field_validator("policy_version")
    @classmethod
    def _matches_file_name(cls, version: str, info: ValidationInfo) -> str:
        name = (info.context or {}).get("file_name", "")
        match = FILE_PATTERN.match(name)
        if match and match.group(1) != version:
            raise problem(f"{version!r} does not match the file name {name!r}")
        return version

    @field_validator("legal_bases", "recipients", "purposes", "not_collected", "categories")
    @classmethod
    def _keys_are_unique(cls, items: tuple[_Entry, ...]) -> tuple[_Entry, ...]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.key in seen:
                raise problem(f"{item.key!r} appears twice", i, "key")
            seen.add(item.key)
        return items

    @field_validator("purposes")
    @classmethod
    def _purposes_refer_to_this_file(cls, purposes: tuple[Purpose, ...], info: ValidationInfo) -> tuple[Purpose, ...]:
        if not _sections_valid(info, "legal_bases", "recipients"):
            return purposes
        bases, recipients = _keys(info, "legal_bases"), _keys(info, "recipients")
        for i, purpose in enumerate(purposes):
            reference(purpose.legal_basis, bases, i, "legal_basis")
            references(purpose.recipients, recipients, i, "recipients")
        return purposes

    @field_validator("categories")
    @classmethod
    def _categories_refer_to_this_file(
        cls, categories: tuple[Category, ...], info: ValidationInfo
    ) -> tuple[Category, ...]:
        if not _sections_valid(info, "legal_bases", "recipients", "purposes"):
            return categories
        bases, recipients, purposes = _keys(info, "legal_bases"), _keys(info, "recipients"), _keys(info, "purposes")
        for i, category in enumerate(categories):
            references(category.purposes, purposes, i, "purposes")
            reference(category.legal_basis, bases, i, "legal_basis")
            references(category.recipients, recipients, i, "recipients")
            if category.on_withdrawal.action == "retain_pseudonymised":  # kept on a legal basis, which must exist
                reference(category.on_withdrawal.legal_basis, bases, i, "on_withdrawal", "legal_basis")
            for j, kind in enumerate(category.kinds):
                for k, receiver in enumerate(kind.recipients):
                    reference(receiver.recipient, recipients, i, "kinds", j, "recipients", k, "recipient")
                    reference(receiver.purpose, purposes, i, "kinds", j, "recipients", k, "purpose")
        return categories

    @field_validator("categories")
    @classmethod
    def _categories_are_the_policy_six(cls, categories: tuple[Category, ...]) -> tuple[Category, ...]:
        keys = [c.key for c in categories]
        if missing := [key for key in CATEGORY_KEYS if key not in keys]:
            raise problem(f"missing the policy categories {', '.join(missing)}")
        if extra := [key for key in keys if key not in CATEGORY_KEYS]:
            raise problem(f"unknown category keys {', '.join(extra)} (the keys are a contract)")
        kind_keys = [kind.key for c in categories for kind in c.kinds]
        if duplicated := sorted({k for k in kind_keys if kind_keys.count(k) > 1}):
            raise problem(f"record kind keys used twice: {', '.join(duplicated)}")
        return categories

    @model_validator(mode="after")
    def _consent_effects_name_kinds(self) -> CatalogueFile:
        """A consent's effects act on record kinds, which only the categories define: checked once the whole
        file is read, and reported at the purpose that names them."""
        kinds, bases = {k.key for c in self.categories for k in c.kinds}, {b.key for b in self.legal_bases}
        for i, purpose in enumerate(self.purposes):
            for j, effect in enumerate(purpose.on_withdrawal.effects if purpose.on_withdrawal else ()):
                where = ("purposes", i, "on_withdrawal", "effects", j)
                references(effect.kinds, kinds, *where, "kinds")
                if effect.legal_basis is not None:
                    reference(effect.legal_basis, bases, *where, "legal_basis")
        return self

    @field_validator("portal_records")
    @classmethod
    def _portal_records_name_each_table_once(
        cls, records: tuple[PortalRecord, ...], info: ValidationInfo
    ) -> tuple[PortalRecord, ...]:
        seen: set[str] = set()
        for i, item in enumerate(records):
            if item.table in seen:
                raise problem(f"{item.table!r} appears twice", i, "table")
            seen.add(item.table)
        if _sections_valid(info, "legal_bases"):
            bases = _keys(info, "legal_bases")
            for i, item in enumerate(records):
                if item.legal_basis is not None:
                    reference(item.legal_basis, bases, i, "legal_basis")
        return records

    def catalogue(self) -> Catalogue:
        categories = {c.key: c for c in self.categories}
        return Catalogue(
            policy_version=self.policy_version,
            effective_date=self.effective_date,
            source_file=self.source,
            controller_name=self.controller.name,
            controller_contact=self.controller.contact,
            summary=self.summary,
            changes_notice=self.changes_notice,
            legal_bases={b.key: b for b in self.legal_bases},
            recipients={r.key: r for r in self.recipients},
            purposes={p.key: p for p in self.purposes},
            not_collected=self.not_collected,
            categories={key: categories[key] for key in CATEGORY_KEYS},  # the policy's order, not the file's
            portal_records={r.table: r for r in self.portal_records},
        )


def _sections_valid(info: ValidationInfo, *sections: str) -> bool:
    """False when an earlier section failed: its own error is the one to report, not a cascade of references."""
    return all(section in info.data for section in sections)


def _keys(info: ValidationInfo, section: str) -> set[str]:
    return {item.key for item in info.data[section]}
