"""The catalogue loader: the shipped files load, and every kind of breakage names its file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal.catalogue import CATEGORY_KEYS, CatalogueError, load_catalogue, load_catalogue_file
from portal.config import ROOT

SHIPPED = ROOT / "data" / "policy"


def _shipped() -> dict[str, Any]:
    files = sorted(SHIPPED.glob("catalogue-*.json"))
    return json.loads(files[-1].read_text())


def _write(tmp_path: Path, doc: dict[str, Any] | str, name: str = "catalogue-1.0.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_shipped_catalogue_has_the_six_policy_categories_in_order() -> None:
    catalogue = list(load_catalogue(SHIPPED).values())[-1]
    assert tuple(catalogue.categories) == CATEGORY_KEYS
    assert {n.key for n in catalogue.not_collected} == {"ewelink_commands", "appliance_recordings"}
    assert catalogue.consentable_purposes, "the policy names processing you consent to"
    transaction = catalogue.categories["transaction"]
    assert transaction.on_withdrawal.action == "retain_pseudonymised"
    assert set(transaction.on_withdrawal.retained_kinds) == {"order", "payment"}


def test_every_category_quotes_the_policy_text() -> None:
    policy = (ROOT.parent / "shared" / "policy" / "privacy-policy.txt")
    if not policy.exists():
        pytest.skip("../shared/policy/privacy-policy.txt is not beside this checkout")
    text = " ".join(policy.read_text().split())
    catalogue = list(load_catalogue(SHIPPED).values())[-1]
    for category in catalogue.categories.values():
        for sentence in category.policy_text.split(". "):
            assert sentence.strip(". ") in text, f"{category.key}: {sentence!r} is not in the policy"


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d.pop("policy_version"), "policy_version: is required"),
    (lambda d: d["categories"].pop(), "missing the policy categories technical"),
    (lambda d: d["categories"][1].update(legal_basis="vibes"), "categories[1].legal_basis: 'vibes' is not one of"),
    (lambda d: d["categories"][0]["kinds"][0]["fields"][0].update(display="hologram"),
     "categories[0].kinds[0].fields[0].display"),
    (lambda d: d["categories"][2].update(recipients=["nobody"]), "categories[2].recipients[0]"),
    (lambda d: d["purposes"][0].update(consentable="yes"), "purposes[0].consentable: must be true or false"),
    (lambda d: d["purposes"].append(dict(d["purposes"][0])), "purposes[6].key: 'service_delivery' appears twice"),
    (lambda d: d["categories"][4]["retention"].pop("days"), "categories[4].retention.days: is required"),
    (lambda d: d["categories"][3]["on_withdrawal"].update(retained_kinds=["device"]),
     "categories[3].on_withdrawal.retained_kinds"),
    (lambda d: d["categories"][0].update(key="Registration"), "is not a lowercase key"),
    (lambda d: d.update(schema=2), "schema: must be 1"),
])
def test_broken_catalogue_names_file_and_field(tmp_path: Path, mutate: Any, expected: str) -> None:
    doc = _shipped()
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(CatalogueError) as error:
        load_catalogue_file(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"schema": 1,\n  "policy_version": }')
    with pytest.raises(CatalogueError, match=r"line 2 column"):
        load_catalogue_file(path)


def test_version_must_match_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, _shipped(), name="catalogue-2.0.json")
    with pytest.raises(CatalogueError, match="does not match the file name"):
        load_catalogue_file(path)


def test_highest_version_is_the_policy_in_force(tmp_path: Path) -> None:
    doc = _shipped()
    _write(tmp_path, doc, "catalogue-1.0.json")
    doc["policy_version"] = "1.10"
    _write(tmp_path, doc, "catalogue-1.10.json")
    doc["policy_version"] = "1.2"
    _write(tmp_path, doc, "catalogue-1.2.json")
    assert list(load_catalogue(tmp_path)) == ["1.0", "1.2", "1.10"]


def test_empty_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"no catalogue-<version>\.json"):
        load_catalogue(tmp_path)
