"""Signatures anyone can check without asking us (portal/signing): Ed25519 keys outside the database, published as
a JWK set; receipts and export manifests verify offline with that set alone, and any change is caught."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from portal import signing
from portal.catalogue import get_catalogue
from portal.config import get_settings
from portal.db import get_engine
from portal.exports.builder import build
from portal.jobs import inline, register_all
from portal.services.rights import erasure, receipts
from portal.signing.keys import KeyRing, keys_from_jwks
from tests.utils.principals import ADA, MARGARET, principal_for

REPO = Path(__file__).resolve().parents[2]


def test_a_signed_document_verifies_and_any_change_does_not(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "keys")
    keys = keys_from_jwks(signing.public_jwks(ring))
    token = signing.sign_document({"b": 2, "a": [1, "é"]}, ring)
    assert signing.verify_document(token, keys) == {"a": [1, "é"], "b": 2}
    prefix, kid, payload, signature = token.split(".")
    forged_payload = signing.keys.b64url(signing.canonical({"a": [1, "é"], "b": 3}))
    for altered in (
        f"{prefix}.{kid}.{forged_payload}.{signature}",
        token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),
        f"{prefix}.0000000000000000.{payload}.{signature}",
        "garbage",
        "",
    ):
        with pytest.raises(signing.SignatureInvalid):
            signing.verify_document(altered, keys)
    other = KeyRing(tmp_path / "someone-else")
    with pytest.raises(signing.SignatureInvalid, match="key we do not know"):
        signing.verify_document(signing.sign_document({"a": 1}, other), keys)


def test_keys_live_in_files_outside_the_database_and_rotation_keeps_old_signatures_valid(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "keys")
    first = ring.current_kid
    pem = tmp_path / "keys" / f"{first}.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600, "the private key is readable by its owner only"
    old = signing.sign_document({"n": 1}, ring)
    second = ring.rotate()
    assert second != first and ring.current_kid == second
    published = signing.public_jwks(ring)
    assert [(k["kid"], k["status"]) for k in published["keys"]] == [(second, "current"), (first, "retired")]
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg", "status"} for k in published["keys"]), "no 'd'"
    keys = keys_from_jwks(json.loads(json.dumps(published)))
    assert signing.verify_document(old, keys) == {"n": 1}, "what the retired key signed still verifies"
    assert signing.sign_document({"n": 2}, ring).split(".")[1] == second


def _run_verify(file: Path, jwks: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python main.py verify` as someone without our data dir or database would run it: only the JWK set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "DATABASE_URL"}
    env["PORTAL_DATA_DIR"] = str(cwd / "empty-data-dir")
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "verify", str(file), "--keys", str(jwks)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_receipt_and_an_export_verify_offline_with_only_the_published_keys(portal_env: Path, tmp_path: Path) -> None:
    register_all()
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps(signing.public_jwks()))
    request_id = erasure.request_withdrawal(
        principal_for(MARGARET), password="demo-password", confirmed=True, idempotency_key="offline-receipt"
    )
    token = inline.process_now(request_id, timeout=30)
    assert token
    receipt_file = tmp_path / "deletion-receipt.txt"
    receipt_file.write_text(receipts.as_text(token))
    result = _run_verify(receipt_file, jwks, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "genuine deletion receipt" in result.stdout
    edited = tmp_path / "edited-receipt.txt"
    edited.write_text(receipts.as_text(token).replace(token, token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")))
    result = _run_verify(edited, jwks, tmp_path)
    assert result.returncode == 1 and "NOT GENUINE" in result.stdout

    built = build(
        get_engine(),
        directory=tmp_path / "exports",
        customer_id=ADA,
        request_id=4711,
        categories=list(get_catalogue().categories),
        formats=["json", "csv"],
        total_hint=0,
        progress=lambda done, of: None,
    )
    package = tmp_path / "exports" / built.file_name
    result = _run_verify(package, jwks, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "genuine export for request 4711" in result.stdout

    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data.replace(b"Ada", b"Eve") if name == "data.json" else data)
    result = _run_verify(tampered, jwks, tmp_path)
    assert result.returncode == 1 and "data.json: changed since it was signed" in result.stdout
    assert get_settings().signing_key_dir.is_dir()
