"""`python main.py seed --reset` is deterministic down to the bytes a customer downloads (QA contract: "same ids,
same values, every time").

The demo state is reset twice in a row in a temporary data dir, each time by `python main.py seed --reset` in its
own process, as QA runs it. After each reset every demo customer (ada, grace, linus, margaret) files an export of
every category in every format (JSON, CSV, HTML), the queue's worker builds it, and the files of the downloaded
ZIP are read back. The exports are built with the portal's clock stopped at the same instant in both runs
(`freeze_portal_clock`): the export's own request, its timeline, notification and email, which the export holds
among the portal's records about the customer, and the build time then read the same. The two resets must give the
same files, byte for byte, signature included, with exactly this exception:

- linus's support grant: the seed gives it 7 days from the moment of seeding (the only demo value that is not
  fixed). Its two times (ISO 8601 in data.json and the CSV, in words in report.html) are replaced by a placeholder
  before comparing; the manifest's `sha256` and `bytes` of those files are first checked against the files in the
  ZIP, then replaced by the hash and size of the masked file, and the manifest's signature is checked, then masked.

Not compared at all, because they are not files of the export: the ZIP container itself (the random part of its
file name) and the signed download link (a fresh nonce per link).

Takes about 10 seconds on a 2-core machine (two resets, and grace's 50,000 usage events built twice in all three
formats); it runs in the normal `pytest tests` call.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from portal import signing
from portal.catalogue import get_catalogue
from portal.catalogue.display import TimeWords
from portal.db import get_engine, session_scope
from portal.exports.writers import FORMATS
from portal.jobs import register_all
from portal.models import PrivacyRequest, RequestStatus, SupportGrant
from portal.queue.worker import Worker
from portal.services.rights import exports, portal_records
from tests.utils.clock import freeze_portal_clock
from tests.utils.environment import reset_portal_caches, use_data_dir
from tests.utils.principals import ADA, GRACE, LINUS, MARGARET, principal_for
from tests.utils.queue import REPO_ROOT, process_env

CUSTOMERS = {"ada": ADA, "grace": GRACE, "linus": LINUS, "margaret": MARGARET}
PLACEHOLDER = "<seeded now>"
# When the exports are built, in both runs: after the seed's fixed history (BASE_TIME, 2026-10-01) and far from the
# wall clock, so no time of the export's own request reads like the one seeded value that follows the wall clock.
FROZEN = datetime(2026, 10, 2, 9, 30, 15, tzinfo=UTC)

Files = dict[str, bytes]


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "data"
    use_data_dir(directory)  # this process builds the exports against the same database the subprocess resets
    yield directory
    reset_portal_caches()


def _reset(data_dir: Path) -> None:
    reset_portal_caches()  # no connection of ours stays open across the other process's reset
    result = subprocess.run(
        [sys.executable, "main.py", "seed", "--reset"],
        cwd=REPO_ROOT,
        env=process_env(data_dir),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"seed --reset failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
    assert "demo data reset" in result.stdout, result.stdout


def _export(customer_id: int, run: int) -> Files:
    """Files and builds one export of every category in every format, as the customer would, and returns the
    ZIP's files as downloaded."""
    # No session row while the export is built: a sign-in session's times would differ from one reset to the next.
    customer = principal_for(customer_id, session_row=False)
    request_id = exports.request_export(
        customer,
        categories=list(get_catalogue().categories),
        formats=list(FORMATS),
        idempotency_key=f"determinism-{run}",
    )
    assert Worker(get_engine(), name=f"determinism-{run}", clock=lambda: FROZEN).run_one()
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value, request
    downloader = principal_for(customer_id)  # downloading needs a freshly checked session
    link = exports.download_link(downloader, request_id)
    path, _ = exports.open_download(downloader, request_id, parse_qs(urlsplit(link).query)["token"][0])
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _seeded_now() -> list[str]:
    """The seed's one value that follows the wall clock, as the export writes it: linus's grant runs 7 days from the
    moment of seeding (ISO 8601 in data.json and the CSV, in words in the report)."""
    with session_scope() as session:
        grants = session.exec(select(SupportGrant)).all()
    assert len(grants) == 1, "the seed gives one support grant"
    times = [grants[0].created_at, grants[0].expires_at]
    assert all(t.date() != FROZEN.date() for t in times), "the frozen clock must not read like the seeded grant"
    return [t.isoformat() for t in times] + [TimeWords().moment(t) for t in times]


def _mask(files: Files, stamps: list[str]) -> Files:
    """The files with the seeded grant's times replaced by PLACEHOLDER (and the manifest's hashes of the files that
    held them recomputed over the masked text, after checking them against the real files)."""
    masked: Files = {}
    for name, content in files.items():
        text = content.decode("utf-8")
        for stamp in stamps:
            text = text.replace(stamp, PLACEHOLDER)
        masked[name] = text.encode("utf-8")
    public = {key.kid: key.key for key in signing.get_keyring().public_keys()}
    signing.verify_bytes(files["manifest.json"], json.loads(files["manifest.sig.json"]), public)
    if masked == files:  # nothing seeded at the wall clock's time: compared as built, signature and all
        return files
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        content = files[entry["path"]]
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), entry["path"]
        assert entry["bytes"] == len(content), entry["path"]
        entry["sha256"] = hashlib.sha256(masked[entry["path"]]).hexdigest()
        entry["bytes"] = len(masked[entry["path"]])
    masked["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    # The signature covers the real manifest: checked above, then masked like the seeded times.
    masked["manifest.sig.json"] = PLACEHOLDER.encode()
    return masked


def _exports_after_reset(data_dir: Path, run: int) -> dict[str, Files]:
    _reset(data_dir)
    register_all()
    stamps = _seeded_now()
    built = {name: _export(customer_id, run) for name, customer_id in CUSTOMERS.items()}
    grant_holders = [
        name for name, files in built.items() if any(s.encode() in f for s in stamps for f in files.values())
    ]
    assert grant_holders == ["linus"], f"only linus's export holds the seeded grant: {grant_holders}"
    return {name: _mask(files, stamps) for name, files in built.items()}


def test_seed_reset_twice_gives_byte_identical_exports_for_every_demo_customer(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_portal_clock(monkeypatch, FROZEN)
    first = _exports_after_reset(data_dir, 1)
    second = _exports_after_reset(data_dir, 2)

    catalogue = get_catalogue()
    expected_names = {"manifest.json", "manifest.sig.json", "data.json", "report.html"} | {
        f"csv/{key}/{kind.key}.csv" for key, category in catalogue.categories.items() for kind in category.kinds
    }
    expected_names |= {section.csv_path() for section in portal_records.sections_for(ADA)}
    for name, customer_id in CUSTOMERS.items():
        assert set(first[name]) == expected_names, f"{name}: {sorted(first[name])}"
        assert list(first[name]) == list(second[name]), f"{name}: the ZIP lists its files in another order"
        manifest = json.loads(first[name]["manifest.json"])
        assert manifest["customer_id"] == customer_id and manifest["generated_at"] == FROZEN.isoformat()
        assert sum(manifest["record_counts"].values()) > 0, f"{name} has data to export"
        assert manifest["portal_record_counts"]["privacy_requests"] == 1, "the export's own request is in it"
        for file_name in first[name]:
            a, b = first[name][file_name], second[name][file_name]
            assert a == b, f"{name}'s {file_name} differs between two resets: {_first_difference(a, b)}"
    grace = json.loads(first["grace"]["manifest.json"])["record_counts"]
    assert grace["usage_event"] == 50_000, "grace's whole history is in the comparison"
    for name in ("ada", "grace", "margaret"):  # their signed manifests are compared too: nothing was masked
        assert first[name]["manifest.sig.json"] == second[name]["manifest.sig.json"] != PLACEHOLDER.encode()


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return (
        f"{len(a)} vs {len(b)} bytes; first difference at byte {at}: "
        f"{a[max(0, at - 80) : at + 80]!r} vs {b[max(0, at - 80) : at + 80]!r}"
    )
