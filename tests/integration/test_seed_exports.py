"""`python main.py seed --reset` is deterministic down to the bytes a customer downloads (QA contract: "same ids,
same values, every time").

The demo state is reset twice in a row in a temporary data dir, each time by `python main.py seed --reset` in its
own process, as QA runs it. After each reset every demo customer (ada, grace, linus, margaret) files an export of
every category in every format (JSON, CSV, HTML), the queue's worker builds it, and the files of the downloaded
ZIP are read back. The two resets must give the same files, byte for byte, with exactly these exceptions:

- `generated_at`: the time the export was built (ISO 8601, UTC). It appears in the head of `data.json`, in
  `manifest.json` and in the "generated …" line of `report.html`; it is replaced there by a fixed placeholder
  before comparing. Nothing else is masked: request ids restart with every reset (`clear_all` restarts the id
  counters) and the exports are filed in the same order, so `request_id` must match too.
- The `sha256` and `bytes` the manifest gives for `data.json` and `report.html`, which hash the files *with* their
  timestamp. They are first checked against the files in the ZIP, then replaced by the hash and size of the
  masked file, so the manifests are compared in full after that.

Not compared at all, because they are not files of the export: the ZIP container itself (entry dates, the
random part of its file name) and the signed download link (a fresh nonce per link).

Takes about 10 seconds on a 2-core machine (two resets, and grace's 50,000 usage events built twice in all three
formats); it runs in the normal `pytest tests` call.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from portal import signing
from portal.catalogue import get_catalogue
from portal.db import get_engine, session_scope
from portal.exports.writers import FORMATS
from portal.jobs import register_all
from portal.models import PrivacyRequest, RequestStatus
from portal.queue.worker import Worker
from portal.services.rights import exports
from tests.utils.environment import reset_portal_caches, use_data_dir
from tests.utils.principals import ADA, GRACE, LINUS, MARGARET, principal_for
from tests.utils.queue import REPO_ROOT, process_env

CUSTOMERS = {"ada": ADA, "grace": GRACE, "linus": LINUS, "margaret": MARGARET}
PLACEHOLDER = "<generated_at>"
# The one line of report.html that carries the build time: "… · generated 2025-01-01T12:00:00.123456+00:00</p>".
_HTML_GENERATED = re.compile(r"( · generated )([^<]+)(</p>)")
# data.json's head: {"customer_id": 1, "request_id": 1, "policy_version": "1.0", "generated_at": "…", …
_JSON_GENERATED = re.compile(r'^(\{[^\n]*?"generated_at": )("[^"]*")')
TIMESTAMPED = ("data.json", "report.html")

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
    customer = principal_for(customer_id)
    request_id = exports.request_export(
        customer,
        categories=list(get_catalogue().categories),
        formats=list(FORMATS),
        idempotency_key=f"determinism-{run}",
    )
    assert Worker(get_engine(), name=f"determinism-{run}").run_one()
    with session_scope() as session:
        request = session.get(PrivacyRequest, request_id)
        assert request is not None and request.status == RequestStatus.COMPLETED.value, request
    link = exports.download_link(customer, request_id)
    path, _ = exports.open_download(customer, request_id, parse_qs(urlsplit(link).query)["token"][0])
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _mask(files: Files) -> Files:
    """The files with the build time replaced by PLACEHOLDER (and the manifest's hashes of the two timestamped
    files recomputed over the masked text, after checking them against the real files)."""
    manifest = json.loads(files["manifest.json"])
    generated = manifest["generated_at"]
    assert generated and PLACEHOLDER not in generated
    masked = dict(files)

    data = files["data.json"].decode("utf-8")
    data, found = _JSON_GENERATED.subn(lambda m: m.group(1) + json.dumps(PLACEHOLDER), data, count=1)
    assert found == 1 and json.loads(files["data.json"])["generated_at"] == generated
    masked["data.json"] = data.encode("utf-8")

    report = files["report.html"].decode("utf-8")
    stamps = _HTML_GENERATED.findall(report)
    assert [s[1] for s in stamps] == [generated], "report.html names the build time exactly once"
    masked["report.html"] = _HTML_GENERATED.sub(lambda m: m.group(1) + PLACEHOLDER + m.group(3), report).encode()
    assert generated not in masked["data.json"].decode() and generated not in masked["report.html"].decode()

    for entry in manifest["files"]:
        content = files[entry["path"]]
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), entry["path"]
        assert entry["bytes"] == len(content), entry["path"]
        if entry["path"] in TIMESTAMPED:
            entry["sha256"] = hashlib.sha256(masked[entry["path"]]).hexdigest()
            entry["bytes"] = len(masked[entry["path"]])
    manifest["generated_at"] = PLACEHOLDER
    masked["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    # The signature covers the real manifest (with its build time): checked here, then masked like the time.
    public = {key.kid: key.key for key in signing.get_keyring().public_keys()}
    signing.verify_bytes(files["manifest.json"], json.loads(files["manifest.sig.json"]), public)
    masked["manifest.sig.json"] = PLACEHOLDER.encode()
    return masked


def _exports_after_reset(data_dir: Path, run: int) -> dict[str, Files]:
    _reset(data_dir)
    register_all()
    return {name: _mask(_export(customer_id, run)) for name, customer_id in CUSTOMERS.items()}


def test_seed_reset_twice_gives_byte_identical_exports_for_every_demo_customer(data_dir: Path) -> None:
    first = _exports_after_reset(data_dir, 1)
    second = _exports_after_reset(data_dir, 2)

    catalogue = get_catalogue()
    expected_names = {"manifest.json", "manifest.sig.json", "data.json", "report.html"} | {
        f"csv/{key}/{kind.key}.csv" for key, category in catalogue.categories.items() for kind in category.kinds
    }
    for name, customer_id in CUSTOMERS.items():
        assert set(first[name]) == expected_names, f"{name}: {sorted(first[name])}"
        assert list(first[name]) == list(second[name]), f"{name}: the ZIP lists its files in another order"
        manifest = json.loads(first[name]["manifest.json"])
        assert manifest["customer_id"] == customer_id
        assert sum(manifest["record_counts"].values()) > 0, f"{name} has data to export"
        for file_name in first[name]:
            a, b = first[name][file_name], second[name][file_name]
            assert a == b, f"{name}'s {file_name} differs between two resets: {_first_difference(a, b)}"
    grace = json.loads(first["grace"]["manifest.json"])["record_counts"]
    assert grace["usage_event"] == 50_000, "grace's whole history is in the comparison"


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return (
        f"{len(a)} vs {len(b)} bytes; first difference at byte {at}: "
        f"{a[max(0, at - 80) : at + 80]!r} vs {b[max(0, at - 80) : at + 80]!r}"
    )
