"""GDPR Art. 15: an export holds everything the portal holds about the customer, and says so.

Built once for this module: ada and grace each have a history beyond the policy categories (a restriction with a
message from the privacy team and an internal staff note, a statement, support access with an acting session, a
sign-in session, a password-reset email, a deletion receipt), marked with their own words. Ada's export (every
category, every format) and grace's (her 50,000 page views, the report alone) are then read back: every section holds
the customer's rows and never the other's, the completeness statement counts what the tables hold and names what is
left out with the reason, entries carry the build time, the signature verifies, and the report stays small."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from portal import signing
from portal.catalogue import get_catalogue
from portal.catalogue.display import TimeWords
from portal.config import get_settings
from portal.db import get_engine, session_scope
from portal.exports import completeness
from portal.exports.builder import SCHEMA_PATH
from portal.jobs import register_all
from portal.models import DeletionReceipt, FieldStatement, Order, PasskeyCredential, PrivacyRequest, RequestEvent
from portal.models.types import utcnow
from portal.queue import staff_actions
from portal.queue.worker import Worker
from portal.services.identity import password_reset, sessions
from portal.services.identity.live_session import principal_for_token
from portal.services.rights import exports, portal_records
from portal.services.rights.portal_records.account_records import TOKEN_REMOVED
from portal.services.support_access import support, support_acting
from portal.services.views import requests_view
from portal.signing.verify_files import check_file
from tests.utils.environment import (
    clone_postgres_template,
    copy_template,
    drop_postgres_database_later,
    reset_portal_caches,
    use_data_dir,
)
from tests.utils.principals import ADA, AGENT, GRACE, principal_for, session_token_for
from tests.utils.queue import officer

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
MARKS = {ADA: "ADA-MARK", GRACE: "GRACE-MARK"}
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Every section the fixture gives ada rows in (all of them).
POPULATED = {section.key for section in portal_records.sections_for(ADA)}


@dataclass
class Built:
    path: Path
    files: dict[str, bytes]
    session_tokens: list[str]
    real_counts: dict[str, int]  # the customer's rows per table, counted without the export's code as it counted

    def json(self, name: str) -> Any:
        return json.loads(self.files[name])

    def text(self) -> str:
        return "\n".join(content.decode("utf-8") for content in self.files.values())


@dataclass
class World:
    ada: Built
    grace_report: Built


@pytest.fixture(scope="module")
def world(
    seeded_template: Path | str, postgres_server: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One copy of the demo database for the whole module: the histories are written once, the exports built once."""
    data_dir = tmp_path_factory.mktemp("portal-records") / "data"
    name = None
    if postgres_server is not None:
        assert isinstance(seeded_template, str)
        name = clone_postgres_template(postgres_server, seeded_template, data_dir)
    else:
        assert isinstance(seeded_template, Path)
        use_data_dir(copy_template(seeded_template, data_dir))
    register_all()
    tokens = {customer: _history(customer) for customer in (ADA, GRACE)}
    _drain()
    _export(ADA, ["identity"], ["json"], "earlier")  # a previous export: the exports section lists it
    counted: dict[int, dict[str, int]] = {}
    original = completeness.gather

    def gather_and_count(session: Session, **kwargs: Any) -> completeness.Completeness:
        statement = original(session, **kwargs)
        with session_scope() as own:  # the same moment, another connection, none of the export's code
            counted[kwargs["customer_id"]] = {name: _real_count(own, name, kwargs["customer_id"]) for name in _linked()}
        return statement

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(completeness, "gather", gather_and_count)
        ada = _export(ADA, list(get_catalogue().categories), ["json", "csv", "html"], "all")
        grace = _export(GRACE, list(get_catalogue().categories), ["html"], "report")
    yield World(
        Built(ada[0], ada[1], tokens[ADA], counted[ADA]), Built(grace[0], grace[1], tokens[GRACE], counted[GRACE])
    )
    reset_portal_caches()
    if name is not None and postgres_server is not None:
        drop_postgres_database_later(postgres_server, name)


def _history(customer_id: int) -> list[str]:
    """What a customer's life in the portal leaves behind, through the services; returns the session tokens made."""
    mark, principal, settings = MARKS[customer_id], principal_for(customer_id), get_settings()
    request_id = requests_view.file_restriction(
        principal, kind="restriction", category="usage", reason=f"{mark} reason", idempotency_key=f"{mark}-r"
    )
    with session_scope() as session:
        staff_actions.comment(
            session, request_id=request_id, actor=officer(), text=f"{mark} internal", to_customer=False
        )
        staff_actions.comment(session, request_id=request_id, actor=officer(), text=f"{mark} to you", to_customer=True)
        staff_actions.approve(session, request_id=request_id, actor=officer())
        order_id = session.exec(select(Order.id).where(col(Order.customer_id) == customer_id)).first()
        session.add(
            FieldStatement(
                customer_id=customer_id,
                kind="order",
                record_id=order_id,
                field="status",
                statement=f"{mark} statement",
                created_at=utcnow(),
            )
        )
        session.add(  # a passkey, as passkeys.register stores one (the key itself is never exported)
            PasskeyCredential(
                account_id=customer_id,
                credential_id=f"{mark}-credential",
                public_key=b"not exported",
                name=f"{mark} passkey",
                created_at=utcnow(),
            )
        )
        # What an erasure of part of the data would leave: a signed receipt kept for the request.
        session.add(
            DeletionReceipt(
                receipt_id=f"{mark}-receipt",
                request_id=request_id,
                issued_at=utcnow(),
                digest="0" * 64,
                document=f"{mark}.signed-receipt",
            )
        )
    support.grant_access(principal, duration="1h", scope="help", ticket_ref=f"{mark}-ticket")
    support_acting.ask_for_access(principal_for(AGENT), customer_id, f"{mark} ask")
    acting_token = support_acting.start_acting(
        settings=settings, agent_token=session_token_for(AGENT), customer_id=customer_id, reason=f"{mark} session"
    )
    acting = principal_for_token(settings, acting_token)
    assert acting is not None and acting.acting is not None
    support_acting.record_page_view(acting, "/data/usage")
    requests_view.file_restriction(
        acting, kind="objection", category="usage", reason=f"{mark} objection", idempotency_key=f"{mark}-o"
    )
    support_acting.stop_acting(settings=settings, token=acting_token)
    password_reset.request_reset(principal.email, client="203.0.113.9")
    return [session_token_for(customer_id), acting_token]


def _drain() -> None:
    worker = Worker(get_engine(), name="records")
    while worker.run_one():
        pass


def _export(customer_id: int, categories: list[str], formats: list[str], key: str) -> tuple[Path, dict[str, bytes]]:
    principal = principal_for(customer_id)
    request_id = exports.request_export(principal, categories=categories, formats=formats, idempotency_key=key)
    assert Worker(get_engine(), name="records").run_one()
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == "completed", request and request.last_error
    link = exports.download_link(principal, request_id)
    path, _ = exports.open_download(principal, request_id, parse_qs(urlsplit(link).query)["token"][0])
    with zipfile.ZipFile(path) as archive:
        return path, {name: archive.read(name) for name in archive.namelist()}


# --- every section: the customer's rows, never another's ----------------------------------------------------------


def test_every_section_holds_the_customers_rows_in_every_format(world: World) -> None:
    data, manifest = world.ada.json("data.json"), world.ada.json("manifest.json")
    sections = data["portal_records"]
    assert list(sections) == [s.key for s in portal_records.sections_for(ADA)], "all of them, always, in order"
    empty = [key for key in POPULATED if not sections[key]["records"]]
    assert empty == [], f"ada has rows in every section, but these are empty: {empty}"
    assert manifest["portal_record_counts"] == {key: len(s["records"]) for key, s in sections.items()}
    for key, section in sections.items():
        rows = list(csv.reader(io.StringIO(world.ada.files[f"csv/portal/{key}.csv"].decode(), newline="")))
        assert len(rows) == 1 + len(section["records"]), f"{key}: a header and one row per record"
        assert rows[0] == list(section["records"][0]), f"{key}: the CSV's columns are the JSON's keys"
    text = world.ada.text()
    for words in ("reason", "to you", "statement", "ticket", "ask", "session", "objection", "signed-receipt"):
        assert f"ADA-MARK {words}" in text or f"ADA-MARK-{words}" in text or f"ADA-MARK.{words}" in text, words
    report = world.ada.files["report.html"].decode()
    for section in portal_records.sections_for(ADA):
        assert f"<h3 id=records-{section.key}>{html.escape(section.title)}</h3>" in report


def test_no_section_holds_another_customers_rows(world: World) -> None:
    assert "GRACE-MARK" not in world.ada.text()
    assert "ADA-MARK" not in world.grace_report.text()
    data = world.ada.json("data.json")
    requests = {r["request_id"] for r in data["portal_records"]["privacy_requests"]["records"]}
    with session_scope() as session:
        own = set(session.exec(select(PrivacyRequest.id).where(col(PrivacyRequest.subject_id) == ADA)))
    assert requests <= own and len(requests) >= 4
    timeline = {r["request_id"] for r in data["portal_records"]["request_timeline"]["records"]}
    assert timeline <= own


def test_internal_staff_notes_are_left_out_and_the_statement_says_so(world: World) -> None:
    text = world.ada.text()
    assert "ADA-MARK internal" not in text, "an internal staff comment reached the customer's export"
    assert "Message from our privacy team: ADA-MARK to you" in text
    internal = next(
        item for item in world.ada.json("manifest.json")["completeness"]["left_out"] if item["table"] == "request_event"
    )
    assert "Art. 15(4)" in internal["why"] and "staff" in internal["what"].lower()
    with session_scope() as session:
        hidden = session.exec(
            select(func.count())
            .select_from(RequestEvent)
            .join(PrivacyRequest, col(PrivacyRequest.id) == col(RequestEvent.request_id))
            .where(col(PrivacyRequest.subject_id) == ADA, col(RequestEvent.visible_to_customer).is_(False))
        ).one()
    assert internal["your_rows"] == hidden >= 1


def test_support_sessions_say_what_the_agent_did(world: World) -> None:
    records = world.ada.json("data.json")["portal_records"]["support_sessions"]["records"]
    (session,) = records
    assert session["reason"] == "ADA-MARK session" and session["agent"] != "a former agent"
    assert session["pages_viewed"] == ["/data/usage"]
    assert any("objection" in action for action in session["actions"]), session["actions"]
    assert session["ended_at"] is not None and session["end_reason"] == "stopped"


def test_no_session_token_or_link_token_is_exported(world: World) -> None:
    text = world.ada.text()
    for token in world.ada.session_tokens:
        assert token not in text and sessions.hash_token(token) not in text
    emails = world.ada.json("data.json")["portal_records"]["emails"]["records"]
    reset = [mail for mail in emails if "reset-password" in mail["body"]]
    assert reset and all(f"token={TOKEN_REMOVED}" in mail["body"] for mail in reset)
    assert not re.search(r"token=(?!\(removed)", text), "a link's token is in the export"
    sign_ins = world.ada.json("data.json")["portal_records"]["sign_in_sessions"]["records"]
    assert sign_ins and all(
        set(r) == {"started_at", "last_seen_at", "expires_at", "ended_at", "how_it_ended", "browser"} for r in sign_ins
    )


# --- the completeness statement ------------------------------------------------------------------------------------


def _owner_column(table: Any) -> str | None:
    for name in ("customer_id", "account_id", "subject_id"):
        if name in table.c:
            return name
    return "id" if table.name == "account" else None


def _linked() -> list[str]:
    """The tables with a column that names a customer (or reached through their request)."""
    return [
        name
        for name, table in SQLModel.metadata.tables.items()
        if _owner_column(table) is not None or name in ("request_event", "deletion_receipt")
    ]


def _real_count(session: Session, name: str, customer_id: int) -> int:
    """The customer's rows of a table, counted without the export's declarations."""
    table = SQLModel.metadata.tables[name]
    if name in ("request_event", "deletion_receipt"):  # reached through the request they belong to
        requests = select(PrivacyRequest.id).where(col(PrivacyRequest.subject_id) == customer_id)
        condition = table.c.request_id.in_(requests.scalar_subquery())
    else:
        owner = _owner_column(table)
        assert owner is not None, name
        condition = table.c[owner] == customer_id
    return int(session.execute(select(func.count()).select_from(table).where(condition)).scalar_one())


def test_completeness_counts_equal_what_the_tables_hold(world: World) -> None:
    statement = world.ada.json("manifest.json")["completeness"]
    tables = {t["table"]: t for t in statement["tables"]}
    assert set(tables) == set(SQLModel.metadata.tables), "every table of the schema was checked"
    for name, entry in tables.items():
        if entry["your_rows"] is None:
            assert name not in world.ada.real_counts and entry["note"], name
            continue
        assert entry["your_rows"] == world.ada.real_counts[name], (name, entry, world.ada.real_counts[name])
    assert set(world.ada.real_counts) == {name for name, t in tables.items() if t["your_rows"] is not None}
    assert tables["usage_event"]["your_rows"] == 40 and tables["consent_ledger"]["your_rows"] == 7
    assert tables["field_statement"]["your_rows"] == 1 and tables["support_session"]["your_rows"] == 1
    assert tables["customer_order"]["in_this_export"] == [
        "data.json#/categories/transaction/records/order",
        "csv/transaction/order.csv",
        "report.html",
    ]
    assert tables["consent_ledger"]["in_this_export"][0] == "data.json#/portal_records/consent_history/records"


def test_left_out_items_are_named_with_their_reasons(world: World) -> None:
    left_out = world.ada.json("manifest.json")["completeness"]["left_out"]
    assert all(item["what"].strip() and item["why"].strip() for item in left_out)
    columns = {(item["table"], c) for item in left_out for c in item.get("columns", [])}
    for expected in (
        ("account", "password_hash"),
        ("auth_session", "token_hash"),
        ("payment_card", "processor_token"),
        ("audit_event", "hash"),
        ("audit_event", "prev_hash"),
        ("privacy_request", "last_error"),
    ):
        assert expected in columns, expected
    by_what = {item["what"]: item for item in left_out}
    assert "security" in by_what["Your password hash"]["why"].lower()
    acting = next(i for i in left_out if i["table"] == "auth_session" and "your_rows" in i)
    assert acting["your_rows"] == 1, "the agent's session while acting for ada is named and counted"


def test_copies_name_backups_and_recipients(world: World) -> None:
    manifest = world.ada.json("manifest.json")
    copies = manifest["completeness"]["copies"]
    generated = datetime.fromisoformat(manifest["generated_at"])
    days = get_settings().backup_retention_days
    assert days == 35
    assert copies["backups"]["until"] == (generated + timedelta(days=days)).date().isoformat()
    assert TimeWords().day(generated + timedelta(days=days)) in copies["backups"]["statement"]
    recipients = {r["name"]: r for r in copies["recipients"]}
    assert {"PayBridge Payments B.V.", "Metricly Analytics Inc."} <= set(recipients)
    assert recipients["Metricly Analytics Inc."]["transfer_safeguard"], "outside the EEA: the safeguard is named"
    assert (
        recipients["PayBridge Payments B.V."]["sendings"] > 0 and recipients["PayBridge Payments B.V."]["last_sent_at"]
    )
    partner = recipients["BrightHome Retail GmbH"]  # ada withdrew partner sharing, but her profile went out before
    assert partner["receives_for"] == [] and partner["sendings"] == 1, "the copy it holds is named, not the purpose"
    assert "EuroStack Cloud GmbH" in recipients and recipients["EuroStack Cloud GmbH"]["sendings"] == 0


def test_data_and_manifest_validate_against_the_published_schema(world: World) -> None:
    schema = json.loads((REPO_ROOT / "docs" / "export-schema.json").read_text())
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.Draft202012Validator(schema, format_checker=checker).validate(world.ada.json("data.json"))
    manifest_schema = {**schema, "$ref": "#/$defs/manifest"}
    for built in (world.ada, world.grace_report):
        jsonschema.Draft202012Validator(manifest_schema, format_checker=checker).validate(built.json("manifest.json"))
        assert built.json("manifest.json")["schema"] == SCHEMA_PATH


def test_the_schema_describes_every_section_column() -> None:
    definitions = json.loads((REPO_ROOT / "docs" / "export-schema.json").read_text())["$defs"]
    for section in portal_records.sections_for(ADA):
        record = definitions[f"portal_{section.key}"]
        assert record["required"] == [c.key for c in section.columns], section.key
        assert set(record["properties"]) == set(record["required"]) and record["additionalProperties"] is False


# --- the ZIP itself ------------------------------------------------------------------------------------------------


def test_zip_entries_carry_the_build_time_and_the_signature_verifies(world: World) -> None:
    for built in (world.ada, world.grace_report):
        generated = datetime.fromisoformat(built.json("manifest.json")["generated_at"]).astimezone(UTC)
        stamp = generated.replace(second=generated.second - generated.second % 2).timetuple()[:6]  # two-second steps
        with zipfile.ZipFile(built.path) as archive:
            dates = {info.filename: info.date_time for info in archive.infolist()}
        assert set(dates.values()) == {stamp}, dates
        keys = {key.kid: key.key for key in signing.get_keyring().public_keys()}
        check = check_file(built.path, keys)
        assert check.genuine, check.lines


# --- grace's report: for people, and small ------------------------------------------------------------------------


def test_graces_report_is_bounded_and_speaks_in_words(world: World) -> None:
    files, manifest = world.grace_report.files, world.grace_report.json("manifest.json")
    report = files["report.html"].decode()
    assert len(files["report.html"]) < 200_000, f"{len(files['report.html']):,} bytes (it was 6 MB)"
    assert report.count("<tr>") < 2_000
    assert manifest["record_counts"]["usage_event"] == 50_000
    assert "50,000 records, from " in report and "The 50 most recent are shown below" in report
    assert not ISO_STAMP.findall(report), ISO_STAMP.findall(report)[:3]
    assert "customer_id" not in report and f"Customer {GRACE}" not in report and "<th>Id" not in report
    assert "Times are shown in UTC." in report
    # Only the report was chosen: the summarised kinds come whole as CSV, and the statement says where.
    usage_csv = files["csv/usage/usage_event.csv"].decode()
    assert usage_csv.count("\n") == 50_001
    assert "<strong>csv/usage/usage_event.csv</strong>" in report
    tables = {t["table"]: t for t in manifest["completeness"]["tables"]}
    assert tables["usage_event"]["in_this_export"] == ["csv/usage/usage_event.csv", "report.html"]
    assert manifest["formats"] == ["html"] and "data.json" not in files


def test_times_are_in_the_readers_time_zone_or_said_to_be_utc() -> None:
    moment = datetime(2026, 1, 5, 21, 23, tzinfo=UTC)
    assert TimeWords().moment(moment) == "5 January 2026, 21:23"
    berlin = TimeWords("Europe/Berlin")
    assert berlin.moment(moment) == "5 January 2026, 22:23" and "Europe/Berlin" in berlin.zone_note
    assert TimeWords("Mars/Olympus").zone_note == "Times are shown in UTC."
    assert TimeWords().moment("2026-01-05T21:23:03+00:00") == "5 January 2026, 21:23"


def test_sections_read_long_histories_in_keyset_batches_in_time_order(portal_env: Path) -> None:
    """A section never holds a long history in memory: it reads a batch at a time, each starting after the last row
    of the one before, ordered by time (then a unique column) even when ids do not follow time."""
    from portal.models import AuthSession, ConsentLedgerEntry
    from portal.services.rights.portal_records.reading import batched

    for _ in range(5):
        session_token_for(ADA)
    with session_scope() as session:
        ledger = list(
            batched(
                session,
                ConsentLedgerEntry,
                col(ConsentLedgerEntry.customer_id) == ADA,
                lambda e: {"at": e.at, "id": e.id},
                order=("at", "id"),
                batch=2,
            )
        )
        sign_ins = list(
            batched(
                session,
                AuthSession,
                col(AuthSession.account_id) == ADA,
                lambda s: {"at": s.created_at, "key": s.token_hash},
                order=("created_at", "token_hash"),
                batch=2,
            )
        )
    assert [len(b) for b in ledger] == [2, 2, 2, 1] and [len(b) for b in sign_ins] == [2, 2, 1]
    for batches in (ledger, sign_ins):
        rows = [tuple(r.values()) for b in batches for r in b]
        assert rows == sorted(rows) and len(set(rows)) == len(rows)
    ids = [r["id"] for b in ledger for r in b]
    assert ids != sorted(ids), "the seed's ledger ids do not follow time: the order is by time"
