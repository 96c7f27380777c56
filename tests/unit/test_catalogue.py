"""The catalogue loader: the shipped files load, and every kind of breakage names its file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal.catalogue import CATEGORY_KEYS, CatalogueError, load_catalogue, load_catalogue_file
from portal.catalogue.document import FILE_PATTERN
from portal.config import ROOT

SHIPPED = ROOT / "data" / "policy"


def _shipped() -> dict[str, Any]:
    files = sorted(p for p in SHIPPED.glob("catalogue-*.json") if FILE_PATTERN.match(p.name))  # not translations
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
    policy = ROOT.parent / "shared" / "policy" / "privacy-policy.txt"
    if not policy.exists():
        pytest.skip("../shared/policy/privacy-policy.txt is not beside this checkout")
    text = " ".join(policy.read_text().split())
    catalogue = list(load_catalogue(SHIPPED).values())[-1]
    for category in catalogue.categories.values():
        for sentence in category.policy_text.split(". "):
            assert sentence.strip(". ") in text, f"{category.key}: {sentence!r} is not in the policy"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("policy_version"), "policy_version: is required"),
        (lambda d: d["categories"].pop(), "missing the policy categories technical"),
        (lambda d: d["categories"][1].update(legal_basis="vibes"), "categories[1].legal_basis: 'vibes' is not one of"),
        (
            lambda d: d["categories"][0]["kinds"][0]["fields"][0].update(display="hologram"),
            "categories[0].kinds[0].fields[0].display",
        ),
        (lambda d: d["categories"][2].update(recipients=["nobody"]), "categories[2].recipients[0]"),
        (lambda d: d["purposes"][0].update(consentable="yes"), "purposes[0].consentable: must be true or false"),
        (lambda d: d["purposes"].append(dict(d["purposes"][0])), "purposes[6].key: 'service_delivery' appears twice"),
        (lambda d: d["categories"][4]["retention"].pop("days"), "categories[4].retention.days: is required"),
        (
            lambda d: d["categories"][3]["on_withdrawal"].update(retained_kinds=["device"]),
            "categories[3].on_withdrawal.retained_kinds",
        ),
        (lambda d: d["categories"][0].update(key="Registration"), "is not a lowercase key"),
        (lambda d: d.update(schema=2), "schema: must be 1"),
    ],
)
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


_ALL_BASES = "consent, contract, legal_obligation, legitimate_interests"
_ALL_RECIPIENTS = "analytics, hosting, logistics, mailing, partners, payments, support_desk, tax_authority"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # the shape of the document and its sections
        (lambda d: d.update(controller="SONOFF"), "controller: must be an object"),
        (
            lambda d: d["controller"].update(contact=" "),
            "controller.contact: is required and must be a non-empty string",
        ),
        (lambda d: d.pop("effective_date"), "effective_date: is required"),
        (lambda d: d.update(not_collected=[]), "not_collected: must be a non-empty list"),
        (lambda d: d["legal_bases"].__setitem__(0, "contract"), "legal_bases[0]: must be an object"),
        (
            lambda d: d["categories"][0]["kinds"][0].update(default_sot="x"),
            "categories[0].kinds[0].default_sot: is not a field of the catalogue schema (misspelt?)",
        ),
        # the values of an entry
        (
            lambda d: d["recipients"][0].update(data_processing_agreement=1),
            "recipients[0].data_processing_agreement: must be true or false",
        ),
        (
            lambda d: d["categories"][4]["retention"].update(days=True),
            "categories[4].retention.days: must be a positive whole number",
        ),
        (
            lambda d: d["categories"][4]["retention"].update(days=0),
            "categories[4].retention.days: must be a positive whole number",
        ),
        (
            lambda d: d["categories"][0]["retention"].update(rule="forever"),
            "categories[0].retention.rule: 'forever' is not one of account_lifetime, days_after_record, "
            "years_after_record",
        ),
        (
            lambda d: d["categories"][0]["on_withdrawal"].update(action="burn"),
            "categories[0].on_withdrawal.action: 'burn' is not one of erase, retain_pseudonymised",
        ),
        (
            lambda d: d["purposes"][2].update(policy_text=""),
            "purposes[2].policy_text: is required and must be a non-empty string",
        ),
        # the rules across the fields of one entry
        (
            lambda d: d["categories"][3]["retention"].pop("years"),
            "categories[3].retention.years: is required when the rule is years_after_record",
        ),
        (
            lambda d: d["categories"][2]["kinds"][0].update(default_sort="nope"),
            "categories[2].kinds[0].default_sort: 'nope' is not one of this kind's fields",
        ),
        (
            lambda d: d["categories"][3]["on_withdrawal"].pop("retained_kinds"),
            "categories[3].on_withdrawal.retained_kinds: must list kinds of this category (feedback, manual_change, "
            "order, payment, support_ticket, warranty_claim)",
        ),
        # the references between sections, and the keys
        (
            lambda d: d["purposes"][2].update(legal_basis="vibes"),
            f"purposes[2].legal_basis: 'vibes' is not one of {_ALL_BASES}",
        ),
        (
            lambda d: d["purposes"][2].update(recipients=["hosting", "nobody"]),
            f"purposes[2].recipients[1]: 'nobody' is not one of {_ALL_RECIPIENTS}",
        ),
        (
            lambda d: d["categories"][0].update(purposes=["nothing"]),
            "categories[0].purposes[0]: 'nothing' is not one of "
            "marketing_email, misuse_detection, partner_sharing, service_delivery, usage_analytics, web_processing",
        ),
        (
            lambda d: d["categories"][3]["on_withdrawal"].update(legal_basis="{vibes}"),
            f"categories[3].on_withdrawal.legal_basis: '{{vibes}}' is not one of {_ALL_BASES}",
        ),
        (lambda d: d["recipients"].append(dict(d["recipients"][1])), "recipients[8].key: 'payments' appears twice"),
        (
            lambda d: d["not_collected"][0].update(key="Bad Key"),
            "not_collected[0].key: 'Bad Key' is not a lowercase key (a-z, 0-9, _)",
        ),
        (
            lambda d: d["categories"].append({**d["categories"][5], "key": "extra", "kinds": []}),
            "categories[6].kinds: must be a non-empty list",
        ),
        (
            lambda d: d["categories"].append(
                {**d["categories"][5], "key": "extra", "kinds": [{**d["categories"][5]["kinds"][0], "key": "gadget"}]}
            ),
            "categories: unknown category keys extra (the keys are a contract)",
        ),
        (
            lambda d: d["categories"][5]["kinds"].append(dict(d["categories"][0]["kinds"][0])),
            "categories: record kind keys used twice: account",
        ),
        # the document itself
        (
            lambda d: d.update(policy_version="2.0"),
            "policy_version: '2.0' does not match the file name 'catalogue-1.0.json'",
        ),
    ],
)
def test_each_rule_names_file_and_field_in_one_line(tmp_path: Path, mutate: Any, expected: str) -> None:
    doc = _shipped()
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(CatalogueError) as error:
        load_catalogue_file(path)
    assert str(error.value) == f"{path}: {expected}"


def test_a_document_that_is_not_an_object_is_named_as_such(tmp_path: Path) -> None:
    path = _write(tmp_path, "[]")
    with pytest.raises(CatalogueError) as error:
        load_catalogue_file(path)
    assert str(error.value) == f"{path}: (document): must be an object"


def test_several_problems_name_the_first_and_count_the_others(tmp_path: Path) -> None:
    doc = _shipped()
    doc["summary"] = ""
    doc["categories"][0]["title"] = ""
    path = _write(tmp_path, doc)
    with pytest.raises(CatalogueError) as error:
        load_catalogue_file(path)
    assert str(error.value) == f"{path}: summary: is required and must be a non-empty string (and 1 more)"


def test_categories_are_in_policy_order_whatever_the_file_order(tmp_path: Path) -> None:
    doc = _shipped()
    doc["categories"].reverse()
    assert tuple(load_catalogue_file(_write(tmp_path, doc)).categories) == CATEGORY_KEYS


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="file not found"):
        load_catalogue_file(tmp_path / "catalogue-9.json")
