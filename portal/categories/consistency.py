"""The registry's start-up checks: catalogue, kind specs and tables agree, or the portal does not start.

Apart from the registry itself (listing, counting, erasing) because these run once, at start-up, and only say
what is missing; the message names the kind, the category or the consent to fix."""

from __future__ import annotations

from collections.abc import Mapping

from ..catalogue import Catalogue
from .kinds import RecordKindSpec


class RegistryError(RuntimeError):
    """The catalogue and the database schema disagree (found at start-up, never at request time)."""


def check_kinds(catalogue: Catalogue, specs: Mapping[str, RecordKindSpec]) -> None:
    """Catalogue, specs and tables agree, or the portal does not start: the message names what is missing."""
    listed: set[str] = set()
    for category in catalogue.categories.values():
        for kind in category.kinds:
            listed.add(kind.key)
            if kind.key not in specs:
                raise RegistryError(
                    f"catalogue kind {kind.key!r} ({category.key}) has no spec in KIND_SPECS "
                    "(portal/categories/kinds.py)"
                )
            spec = specs[kind.key]
            columns = spec.columns.c
            missing = [f.key for f in kind.fields if f.key not in columns]
            if missing:
                raise RegistryError(f"catalogue kind {kind.key!r} names fields the table lacks: {missing}")
        withdrawal = category.on_withdrawal
        if withdrawal.action == "retain_pseudonymised":
            for key in withdrawal.retained_kinds:
                if key in specs and specs[key].pseudonymised is None:
                    raise RegistryError(
                        f"catalogue category {category.key!r} keeps kind {key!r} pseudonymised, "
                        "but its spec in KIND_SPECS says nothing about pseudonymising it"
                    )
    _check_consent_effects(catalogue, specs)
    unlisted = sorted(set(specs) - listed)
    if unlisted:
        raise RegistryError(f"KIND_SPECS has kinds the catalogue does not list: {unlisted}")
    for spec in specs.values():
        problems = spec.problems()
        if problems:
            raise RegistryError("; ".join(problems))


def _check_consent_effects(catalogue: Catalogue, specs: Mapping[str, RecordKindSpec]) -> None:
    """A consent's withdrawal may erase or pseudonymise records, but never the account row (that is the
    withdrawal itself), and pseudonymise only kinds whose spec says how."""
    for purpose in catalogue.consentable_purposes:
        for effect in purpose.on_withdrawal.effects if purpose.on_withdrawal else ():
            for key in effect.kinds:
                spec = specs.get(key)
                if spec is None or effect.action not in ("erase", "pseudonymise"):
                    continue
                if spec.is_account:
                    raise RegistryError(f"withdrawing consent {purpose.key!r} cannot erase the account ({key!r})")
                if effect.action == "pseudonymise" and spec.pseudonymised is None:
                    raise RegistryError(
                        f"withdrawing consent {purpose.key!r} pseudonymises kind {key!r}, "
                        "but its spec in KIND_SPECS says nothing about pseudonymising it"
                    )
