"""`python main.py verify FILE`: check a deletion receipt or an export ZIP with nothing but public keys.

The keys come from the portal's key folder, or from a published JWK set (`--keys keys.json`), so the same check
runs on a customer's or a regulator's machine. A ZIP is genuine when manifest.sig.json signs manifest.json and
every file the manifest lists has exactly the size and SHA-256 it states (and nothing unlisted is in the ZIP).
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .envelope import SignatureInvalid, verify_bytes, verify_document

_TOKEN_LINE = re.compile(r"^RECEIPT:\s*(\S+)\s*$", re.MULTILINE)
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig.json"


@dataclass(frozen=True)
class FileCheck:
    genuine: bool
    lines: list[str]


def check_file(path: Path, keys: dict[str, Ed25519PublicKey]) -> FileCheck:
    if zipfile.is_zipfile(path):
        return _check_export(path, keys)
    return _check_receipt(path.read_text(encoding="utf-8", errors="replace"), keys)


def _check_receipt(text: str, keys: dict[str, Ed25519PublicKey]) -> FileCheck:
    match = _TOKEN_LINE.search(text)
    if match is None:
        return FileCheck(False, ["no RECEIPT: line: this is not a deletion receipt"])
    try:
        document = verify_document(match.group(1), keys)
    except SignatureInvalid as problem:
        return FileCheck(False, [f"NOT GENUINE: {problem}"])
    kid = match.group(1).split(".")[1]
    lines = [
        f"genuine deletion receipt {document.get('receipt_id')}, signed by key {kid}",
        f"issued {document.get('issued_at')} by {document.get('controller')} for request "
        f"{document.get('request_id')}; it certifies:",
    ]
    lines += [
        f"  {item.get('title')}: {item.get('action')}"
        + (f" (kept until {item['kept_until']})" if item.get("kept_until") else "")
        for item in document.get("categories", [])
    ]
    return FileCheck(True, lines)


def _check_export(path: Path, keys: dict[str, Ed25519PublicKey]) -> FileCheck:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            return FileCheck(False, [f"NOT GENUINE: the ZIP has no {MANIFEST} and {SIGNATURE}"])
        manifest_bytes = archive.read(MANIFEST)
        try:
            kid = verify_bytes(manifest_bytes, json.loads(archive.read(SIGNATURE)), keys)
        except (SignatureInvalid, ValueError) as problem:
            return FileCheck(False, [f"NOT GENUINE: {MANIFEST}: {problem}"])
        manifest = json.loads(manifest_bytes)
        problems = []
        listed = {entry["path"] for entry in manifest.get("files", [])}
        for entry in manifest.get("files", []):
            if entry["path"] not in names:
                problems.append(f"{entry['path']}: listed but missing")
                continue
            data = archive.read(entry["path"])
            if len(data) != entry.get("bytes") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                problems.append(f"{entry['path']}: changed since it was signed")
        problems += [
            f"{name}: not listed in the signed manifest" for name in sorted(names - listed - {MANIFEST, SIGNATURE})
        ]
    if problems:
        return FileCheck(False, [f"NOT GENUINE: {problem}" for problem in problems])
    return FileCheck(
        True,
        [
            f"genuine export for request {manifest.get('request_id')}, signed by key {kid}",
            f"{len(listed)} files, each with the size and SHA-256 the signed manifest states",
        ],
    )
