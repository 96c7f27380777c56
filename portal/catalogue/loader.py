"""Load and validate the versioned catalogue files in data/policy/.

Every file is named catalogue-<version>.json; the highest version is the policy in force, older
ones stay so that consent changes between versions can be explained. A broken file stops the
start-up with a message naming the file and the exact field.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..config import get_settings
from .model import (
    CATEGORY_KEYS,
    DISPLAYS,
    RETENTION_RULES,
    WITHDRAWAL_ACTIONS,
    Catalogue,
    Category,
    Field,
    LegalBasis,
    NotCollected,
    Purpose,
    Recipient,
    RecordKind,
    Retention,
    Withdrawal,
)

_FILE_PATTERN = re.compile(r"^catalogue-(\d+(?:\.\d+)*)\.json$")
_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """A catalogue file is missing, unreadable or invalid; the message names file and field."""


class _Reader:
    """Walks one JSON document, remembering the path so every error can name its field."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, path: str, message: str) -> CatalogueError:
        return CatalogueError(f"{self.file}: {path}: {message}")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be an object")
        return value

    def lst(self, data: dict[str, Any], name: str, path: str, *, non_empty: bool = True) -> list[Any]:
        value = data.get(name)
        if not isinstance(value, list) or (non_empty and not value):
            raise self.fail(f"{path}.{name}" if path else name, "must be a non-empty list")
        return value

    def text(self, data: dict[str, Any], name: str, path: str, *, optional: bool = False) -> str | None:
        value = data.get(name)
        where = f"{path}.{name}" if path else name
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "is required and must be a non-empty string")
        return value

    def key(self, data: dict[str, Any], name: str, path: str) -> str:
        value = self.text(data, name, path)
        assert value is not None
        if not _KEY_PATTERN.match(value):
            raise self.fail(f"{path}.{name}", f"{value!r} is not a lowercase key (a-z, 0-9, _)")
        return value

    def flag(self, data: dict[str, Any], name: str, path: str) -> bool:
        value = data.get(name)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{name}", "must be true or false")
        return value

    def number(self, data: dict[str, Any], name: str, path: str) -> int | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self.fail(f"{path}.{name}", "must be a positive whole number")
        return value

    def one_of(self, value: str | None, allowed: tuple[str, ...] | set[str], path: str) -> str:
        if value not in allowed:
            raise self.fail(path, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value


def load_catalogue_file(file: Path) -> Catalogue:
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"{file}: file not found") from exc
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{file}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from exc
    r = _Reader(file)
    doc = r.obj(raw, "(document)")
    if doc.get("schema") != 1:
        raise r.fail("schema", "must be 1 (the only catalogue schema this portal understands)")
    version = r.text(doc, "policy_version", "")
    assert version is not None
    match = _FILE_PATTERN.match(file.name)
    if match and match.group(1) != version:
        raise r.fail("policy_version", f"{version!r} does not match the file name {file.name!r}")
    controller = r.obj(doc.get("controller"), "controller")

    legal_bases = _unique(r, "legal_bases", [
        LegalBasis(key=r.key(item, "key", f"legal_bases[{i}]"),
                   title=str(r.text(item, "title", f"legal_bases[{i}]")),
                   reference=str(r.text(item, "reference", f"legal_bases[{i}]")),
                   explanation=str(r.text(item, "explanation", f"legal_bases[{i}]")))
        for i, item in enumerate(r.obj(x, f"legal_bases[{j}]") for j, x in enumerate(r.lst(doc, "legal_bases", "")))
    ])
    recipients = _unique(r, "recipients", [
        Recipient(key=r.key(item, "key", f"recipients[{i}]"),
                  name=str(r.text(item, "name", f"recipients[{i}]")),
                  role=str(r.text(item, "role", f"recipients[{i}]")),
                  data_processing_agreement=r.flag(item, "data_processing_agreement", f"recipients[{i}]"),
                  location=str(r.text(item, "location", f"recipients[{i}]")))
        for i, item in enumerate(r.obj(x, f"recipients[{j}]") for j, x in enumerate(r.lst(doc, "recipients", "")))
    ])
    purposes = _unique(r, "purposes", [
        _purpose(r, r.obj(item, f"purposes[{i}]"), f"purposes[{i}]", legal_bases, recipients)
        for i, item in enumerate(r.lst(doc, "purposes", ""))
    ])
    not_collected = tuple(
        NotCollected(key=r.key(item, "key", f"not_collected[{i}]"),
                     title=str(r.text(item, "title", f"not_collected[{i}]")),
                     policy_text=str(r.text(item, "policy_text", f"not_collected[{i}]")))
        for i, item in enumerate(r.obj(x, f"not_collected[{j}]")
                                 for j, x in enumerate(r.lst(doc, "not_collected", "")))
    )
    categories = _unique(r, "categories", [
        _category(r, r.obj(item, f"categories[{i}]"), f"categories[{i}]", purposes, legal_bases, recipients)
        for i, item in enumerate(r.lst(doc, "categories", ""))
    ])
    missing = [key for key in CATEGORY_KEYS if key not in categories]
    if missing:
        raise r.fail("categories", f"missing the policy categories {', '.join(missing)}")
    extra = [key for key in categories if key not in CATEGORY_KEYS]
    if extra:
        raise r.fail("categories", f"unknown category keys {', '.join(extra)} (the keys are a contract)")
    kind_keys = [kind.key for c in categories.values() for kind in c.kinds]
    duplicated = sorted({k for k in kind_keys if kind_keys.count(k) > 1})
    if duplicated:
        raise r.fail("categories", f"record kind keys used twice: {', '.join(duplicated)}")
    return Catalogue(
        policy_version=version,
        effective_date=str(r.text(doc, "effective_date", "")),
        source_file=str(r.text(doc, "source", "")),
        controller_name=str(r.text(controller, "name", "controller")),
        controller_contact=str(r.text(controller, "contact", "controller")),
        summary=str(r.text(doc, "summary", "")),
        changes_notice=str(r.text(doc, "changes_notice", "")),
        legal_bases=legal_bases,
        recipients=recipients,
        purposes=purposes,
        not_collected=not_collected,
        categories={key: categories[key] for key in CATEGORY_KEYS},
    )


def _unique(r: _Reader, name: str, items: list[Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for i, item in enumerate(items):
        if item.key in result:
            raise r.fail(f"{name}[{i}].key", f"{item.key!r} appears twice")
        result[item.key] = item
    return result


def _purpose(r: _Reader, item: dict[str, Any], path: str, legal_bases: dict[str, LegalBasis],
             recipients: dict[str, Recipient]) -> Purpose:
    return Purpose(
        key=r.key(item, "key", path),
        title=str(r.text(item, "title", path)),
        description=str(r.text(item, "description", path)),
        policy_text=r.text(item, "policy_text", path, optional=True),
        legal_basis=r.one_of(item.get("legal_basis"), set(legal_bases), f"{path}.legal_basis"),
        consentable=r.flag(item, "consentable", path),
        sale_or_sharing=r.flag(item, "sale_or_sharing", path),
        direct_marketing=r.flag(item, "direct_marketing", path),
        recipients=tuple(r.one_of(x, set(recipients), f"{path}.recipients[{i}]")
                         for i, x in enumerate(r.lst(item, "recipients", path))),
    )


def _category(r: _Reader, item: dict[str, Any], path: str, purposes: dict[str, Purpose],
              legal_bases: dict[str, LegalBasis], recipients: dict[str, Recipient]) -> Category:
    retention_raw = r.obj(item.get("retention"), f"{path}.retention")
    retention = Retention(
        rule=r.one_of(retention_raw.get("rule"), RETENTION_RULES, f"{path}.retention.rule"),
        description=str(r.text(retention_raw, "description", f"{path}.retention")),
        days=r.number(retention_raw, "days", f"{path}.retention"),
        years=r.number(retention_raw, "years", f"{path}.retention"),
    )
    if retention.rule == "days_after_record" and retention.days is None:
        raise r.fail(f"{path}.retention.days", "is required when the rule is days_after_record")
    if retention.rule == "years_after_record" and retention.years is None:
        raise r.fail(f"{path}.retention.years", "is required when the rule is years_after_record")
    kinds = tuple(_kind(r, r.obj(k, f"{path}.kinds[{i}]"), f"{path}.kinds[{i}]")
                  for i, k in enumerate(r.lst(item, "kinds", path)))
    withdrawal_raw = r.obj(item.get("on_withdrawal"), f"{path}.on_withdrawal")
    wpath = f"{path}.on_withdrawal"
    retained = tuple(withdrawal_raw.get("retained_kinds") or ())
    action = r.one_of(withdrawal_raw.get("action"), WITHDRAWAL_ACTIONS, f"{wpath}.action")
    basis = withdrawal_raw.get("legal_basis")
    if action == "retain_pseudonymised":
        r.one_of(basis, set(legal_bases), f"{wpath}.legal_basis")
        own = {k.key for k in kinds}
        if not retained or any(k not in own for k in retained):
            raise r.fail(f"{wpath}.retained_kinds", f"must list kinds of this category ({', '.join(sorted(own))})")
    return Category(
        key=r.key(item, "key", path),
        title=str(r.text(item, "title", path)),
        policy_heading=str(r.text(item, "policy_heading", path)),
        policy_text=str(r.text(item, "policy_text", path)),
        purposes=tuple(r.one_of(p, set(purposes), f"{path}.purposes[{i}]")
                       for i, p in enumerate(r.lst(item, "purposes", path))),
        legal_basis=r.one_of(item.get("legal_basis"), set(legal_bases), f"{path}.legal_basis"),
        retention=retention,
        recipients=tuple(r.one_of(p, set(recipients), f"{path}.recipients[{i}]")
                         for i, p in enumerate(r.lst(item, "recipients", path))),
        source=str(r.text(item, "source", path)),
        on_withdrawal=Withdrawal(action=action, explanation=str(r.text(withdrawal_raw, "explanation", wpath)),
                                 legal_basis=basis, retained_kinds=retained),
        kinds=kinds,
    )


def _kind(r: _Reader, item: dict[str, Any], path: str) -> RecordKind:
    fields = tuple(
        Field(key=r.key(f, "key", f"{path}.fields[{i}]"), label=str(r.text(f, "label", f"{path}.fields[{i}]")),
              display=r.one_of(f.get("display", "text"), DISPLAYS, f"{path}.fields[{i}].display"))
        for i, f in enumerate(r.obj(x, f"{path}.fields[{j}]") for j, x in enumerate(r.lst(item, "fields", path)))
    )
    single = item.get("single", False)
    if not isinstance(single, bool):
        raise r.fail(f"{path}.single", "must be true or false")
    default_sort = item.get("default_sort")
    if default_sort is not None and default_sort not in {f.key for f in fields}:
        raise r.fail(f"{path}.default_sort", f"{default_sort!r} is not one of this kind's fields")
    return RecordKind(key=r.key(item, "key", path), title=str(r.text(item, "title", path)), fields=fields,
                      single=single, default_sort=default_sort)


def _version_key(path: Path) -> tuple[int, ...]:
    match = _FILE_PATTERN.match(path.name)
    assert match is not None
    return tuple(int(part) for part in match.group(1).split("."))


def load_catalogue(directory: Path) -> dict[str, Catalogue]:
    """All catalogue versions in a directory, oldest first; the last one is the policy in force."""
    if not directory.is_dir():
        raise CatalogueError(f"{directory}: catalogue directory not found")
    files = sorted((p for p in directory.iterdir() if _FILE_PATTERN.match(p.name)), key=_version_key)
    if not files:
        raise CatalogueError(f"{directory}: no catalogue-<version>.json file found")
    return {c.policy_version: c for c in (load_catalogue_file(f) for f in files)}


_current: Catalogue | None = None


def get_catalogue() -> Catalogue:
    """The catalogue in force, loaded once from the configured directory."""
    global _current
    if _current is None:
        versions = load_catalogue(get_settings().catalogue_dir)
        _current = list(versions.values())[-1]
    return _current


def reset_catalogue() -> None:
    global _current
    _current = None
