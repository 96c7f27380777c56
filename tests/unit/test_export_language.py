"""The export in the customer's language (issue #22): the builder runs in the account's language and time zone, so
report.html is written in it (`<html lang>` says which), the CSV files' header rows are in it, and the sentences of the
completeness statement; the JSON keys and machine values stay English, exactly as an English export has them.

Built for a seeded customer in the pseudo-locale `qps`, which needs no catalogue: every translated text comes back
bracketed ("⟦Ŵĥåţ⟧"), so a word that did not pass through `_` is the one without brackets."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from portal.catalogue import get_catalogue
from portal.categories import get_registry
from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.exports.builder import Extras, build
from portal.i18n import PSEUDO_LOCALE, using_locale
from portal.i18n.pseudo import is_pseudo
from portal.jobs import register_all
from portal.services.rights import portal_records
from tests.utils.environment import (
    clone_postgres_template,
    copy_template,
    drop_postgres_database_later,
    reset_portal_caches,
    use_data_dir,
)
from tests.utils.principals import ADA

SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "export-schema.json"
FORMATS = ["json", "csv", "html"]
ZONE = "Europe/Berlin"


@dataclass
class Export:
    files: dict[str, bytes]

    def json(self, name: str) -> Any:
        return json.loads(self.files[name])

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")

    def csv_header(self, name: str) -> list[str]:
        return next(csv.reader(io.StringIO(self.text(name), newline="")))

    def csv_rows(self, name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text(name), newline="")))[1:]


@dataclass
class Exports:
    english: Export
    pseudo: Export


@pytest.fixture(scope="module")
def exports(
    seeded_template: Path | str, postgres_server: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Exports]:
    """Ada's export with every category in every format, built by the worker's builder twice from one copy of the
    demo database: as her account would have it in English, and in the pseudo-locale in Berlin time."""
    data_dir = tmp_path_factory.mktemp("export-language") / "data"
    name = None
    if postgres_server is not None:
        assert isinstance(seeded_template, str)
        name = clone_postgres_template(postgres_server, seeded_template, data_dir)
    else:
        assert isinstance(seeded_template, Path)
        use_data_dir(copy_template(seeded_template, data_dir))
    register_all()
    yield Exports(_build(None, None, 7001), _build(PSEUDO_LOCALE, ZONE, 7002))
    reset_portal_caches()
    if name is not None and postgres_server is not None:
        drop_postgres_database_later(postgres_server, name)


def _build(locale: str | None, time_zone: str | None, request_id: int) -> Export:
    categories = list(get_catalogue().categories)
    with session_scope() as session:
        summaries = get_registry().summaries(session, customer_id=ADA)
    result = build(
        get_engine(),
        directory=get_settings().export_dir,
        customer_id=ADA,
        request_id=request_id,
        categories=categories,
        formats=FORMATS,
        total_hint=sum(s.count for key in categories for s in summaries[key]),
        extras=Extras(sections=portal_records.sections_for(ADA), locale=locale, time_zone=time_zone),
    )
    with zipfile.ZipFile(get_settings().export_dir / result.file_name) as archive:
        return Export({name: archive.read(name) for name in archive.namelist()})


def _keys(value: Any, path: str = "") -> set[str]:
    """Every key of a JSON document, with where it is (list items share one path)."""
    if isinstance(value, dict):
        found = set()
        for key, item in value.items():
            found.add(f"{path}/{key}")
            found |= _keys(item, f"{path}/{key}")
        return found
    if isinstance(value, list):
        return set().union(*(_keys(item, f"{path}[]") for item in value)) if value else set()
    return set()


def _validator(definition: str) -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    schema["$ref"] = f"#/$defs/{definition}"
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _part(report: str, section_id: str) -> str:
    start = report.index(f"<section id={section_id}>")
    return report[start : report.index("</section>", start)]


def _texts(markup: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}(?: [^>]*)?>([^<]*)</{tag}>", markup)


# --- report.html: every word in the reader's language ----------------------------------------------------------


def test_the_report_says_its_language_and_is_written_in_it(exports: Exports) -> None:
    report = exports.pseudo.text("report.html")
    assert report.startswith("<!doctype html><html lang=qps>"), report[:60]
    assert exports.english.text("report.html").startswith("<!doctype html><html lang=en>")
    assert all(is_pseudo(text) for text in _texts(report, "title")), _texts(report, "title")
    assert report.count("<h1>⟦") == 1
    lead = report.split("<p class=lead>")[1].split("</p>")[0]
    prepared, zone_note = lead.rsplit(" ", 1)[0], lead.rsplit("⟧ ", 1)[1]
    assert is_pseudo(prepared) and is_pseudo(zone_note) and "Europe/Berlin" in zone_note, lead
    nav = report.split("<nav")[1].split("</nav>")[0]
    assert "aria-label='⟦" in nav
    # What the policy says of each category: the labels are the report's, the texts the catalogue's.
    labels = _texts(report, "dt")
    assert labels and all(is_pseudo(label) for label in labels), labels
    assert report.count("<footer><p>⟦") == 1 and "<strong>manifest.json</strong>" in report.split("<footer>")[1]


def test_the_portal_records_and_the_completeness_statement_are_in_the_readers_language(exports: Exports) -> None:
    report = exports.pseudo.text("report.html")
    other = _part(report, "portal-records")
    headings = _texts(other, "h2") + _texts(other, "h3")
    assert len(headings) == 1 + len(portal_records.sections_for(ADA))
    assert all(is_pseudo(heading) for heading in headings), [h for h in headings if not is_pseudo(h)]
    abouts = re.findall(r"<p class=about>([^<]*)</p>", other)
    assert abouts and all(is_pseudo(about) for about in abouts)
    heads = _texts(other, "th")
    assert heads and all(is_pseudo(head) for head in heads), [h for h in heads if not is_pseudo(h)]
    # Values programs read stay English in data.json and the CSV ("given", "you"); the report words them.
    english = _part(exports.english.text("report.html"), "portal-records")
    for value in ("given", "withdrawn", "you"):
        assert f"<td>{value}</td>" in english and f"<td>{value}</td>" not in other, value

    statement = _part(report, "completeness")
    words = _texts(statement, "h2") + _texts(statement, "h3") + _texts(statement, "th")
    assert len(words) >= 12 and all(is_pseudo(word) for word in words), [w for w in words if not is_pseudo(w)]
    paragraphs = re.findall(r"<p>(.*?)</p>", statement)
    assert paragraphs and all(paragraph.startswith("⟦") for paragraph in paragraphs), paragraphs


def test_the_english_report_is_unchanged_by_the_language_machinery(exports: Exports) -> None:
    report = exports.english.text("report.html")
    assert "⟦" not in report
    assert "<h2>Is this everything?</h2>" in report and "<th>What it holds</th>" in report
    assert "Times are shown in UTC." in report


# --- CSV: the header row in the reader's language, the values as data ------------------------------------------


def test_the_csv_header_rows_are_in_the_readers_language(exports: Exports) -> None:
    english, pseudo = exports.english, exports.pseudo
    for section in portal_records.sections_for(ADA):
        path = section.csv_path()
        header = pseudo.csv_header(path)
        assert len(header) == len(section.columns) and all(is_pseudo(cell) for cell in header), (path, header)
        assert english.csv_header(path) == [column.key for column in section.columns], path
        # The words made for people are in the reader's language; keys and times are the same data.
        same = [i for i, column in enumerate(section.columns) if not column.in_report or column.display == "datetime"]
        mine, theirs = pseudo.csv_rows(path), english.csv_rows(path)
        assert [[row[i] for i in same] for row in mine] == [[row[i] for i in same] for row in theirs], path
    with using_locale(PSEUDO_LOCALE):  # the field labels are the catalogue's, in the language it is read in
        labels = {
            f"csv/{key}/{kind.key}.csv": [field.label for field in kind.fields]
            for key, category in get_catalogue().categories.items()
            for kind in category.kinds
        }
    for key, category in get_catalogue().categories.items():
        for kind in category.kinds:
            path = f"csv/{key}/{kind.key}.csv"
            header = pseudo.csv_header(path)
            assert is_pseudo(header[0]) and header[1:] == labels[path], (path, header)
            assert english.csv_header(path) == ["id", *(field.key for field in kind.fields)], path
            assert pseudo.text(path).splitlines()[1:] == english.text(path).splitlines()[1:], f"{path}: the same data"


# --- JSON: a machine contract, English whatever the language ---------------------------------------------------


def test_the_json_keys_and_machine_values_stay_english(exports: Exports) -> None:
    english, pseudo = exports.english, exports.pseudo
    data, manifest = pseudo.json("data.json"), pseudo.json("manifest.json")
    assert _keys(data) == _keys(english.json("data.json")), "the same keys, in the same places"
    assert _keys(manifest) == _keys(english.json("manifest.json"))
    _validator("data").validate(data)  # the schema's enums: consent given/withdrawn, by you/staff/system, statuses
    _validator("manifest").validate(manifest)
    assert list(data["portal_records"]) == [section.key for section in portal_records.sections_for(ADA)]
    for section in portal_records.sections_for(ADA):
        block = data["portal_records"][section.key]
        assert is_pseudo(block["title"]) and is_pseudo(block["about"]), section.key
        for record in block["records"]:
            assert list(record) == [column.key for column in section.columns], section.key
    english_requests = english.json("data.json")["portal_records"]["privacy_requests"]["records"]
    requests = data["portal_records"]["privacy_requests"]["records"]
    assert [r["status"] for r in requests] == [r["status"] for r in english_requests], "statuses are keys"
    assert [r["type"] for r in requests] == [r["type"] for r in english_requests]


def test_the_manifest_keeps_machine_fields_english_and_words_its_sentences(exports: Exports) -> None:
    manifest, english = exports.pseudo.json("manifest.json"), exports.english.json("manifest.json")
    assert [entry["path"] for entry in manifest["files"]] == [entry["path"] for entry in english["files"]]
    assert manifest["record_counts"] == english["record_counts"]
    assert manifest["portal_record_counts"] == english["portal_record_counts"]
    statement, english_statement = manifest["completeness"], english["completeness"]
    assert is_pseudo(statement["statement"]) and not is_pseudo(english_statement["statement"])
    tables = statement["tables"]
    assert [t["table"] for t in tables] == [t["table"] for t in english_statement["tables"]]
    assert [t["in_this_export"] for t in tables] == [t["in_this_export"] for t in english_statement["tables"]]
    assert [t["your_rows"] for t in tables] == [t["your_rows"] for t in english_statement["tables"]]
    assert all(is_pseudo(t["holds"]) for t in tables), [t["holds"] for t in tables if not is_pseudo(t["holds"])]
    assert all(is_pseudo(t["note"]) for t in tables if "note" in t)
    assert all(is_pseudo(item["what"]) and is_pseudo(item["why"]) for item in statement["left_out"])
    backups = statement["copies"]["backups"]
    assert is_pseudo(backups["statement"]) and backups["until"] == english_statement["copies"]["backups"]["until"]
