"""`python main.py verify FILE`: check a deletion receipt or an export ZIP with nothing but public keys.

The keys come from the portal's key folder, or from a published JWK set (`--keys keys.json`), so the same check
runs on a customer's or a regulator's machine. A ZIP is genuine when manifest.sig.json signs manifest.json and
every file the manifest lists has exactly the size and SHA-256 it states (and nothing unlisted is in the ZIP).

The lines are for the person running the check, in the language of the context (English on the command line); the
values quoted from the signed document or manifest are shown as signed.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..i18n import _, ngettext
from ..i18n.formats import format_number
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
        return FileCheck(False, [_("no RECEIPT: line: this is not a deletion receipt")])
    try:
        document = verify_document(match.group(1), keys)
    except SignatureInvalid as problem:
        return FileCheck(False, [_not_genuine(str(problem))])
    kid = match.group(1).split(".")[1]
    lines = [
        _("genuine deletion receipt {receipt}, signed by key {kid}").format(
            receipt=document.get("receipt_id"), kid=kid
        ),
        _("issued {issued} by {controller} for request {request}; it certifies:").format(
            issued=document.get("issued_at"), controller=document.get("controller"), request=document.get("request_id")
        ),
    ]
    lines += ["  " + _certified(item) for item in document.get("categories", [])]
    return FileCheck(True, lines)


def _certified(item: dict[str, Any]) -> str:
    """One category the receipt certifies, with what was done to it (the signed document's own words)."""
    if item.get("kept_until"):
        return _("{title}: {action} (kept until {date})").format(
            title=item.get("title"), action=item.get("action"), date=item["kept_until"]
        )
    return f"{item.get('title')}: {item.get('action')}"


def _not_genuine(problem: str) -> str:
    return _("NOT GENUINE: {problem}").format(problem=problem)


def _check_export(path: Path, keys: dict[str, Ed25519PublicKey]) -> FileCheck:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            missing = _("the ZIP has no {manifest} and {signature}").format(manifest=MANIFEST, signature=SIGNATURE)
            return FileCheck(False, [_not_genuine(missing)])
        manifest_bytes = archive.read(MANIFEST)
        try:
            kid = verify_bytes(manifest_bytes, json.loads(archive.read(SIGNATURE)), keys)
        except (SignatureInvalid, ValueError) as problem:
            return FileCheck(False, [_not_genuine(f"{MANIFEST}: {problem}")])
        manifest = json.loads(manifest_bytes)
        problems = []
        listed = {entry["path"] for entry in manifest.get("files", [])}
        for entry in manifest.get("files", []):
            if entry["path"] not in names:
                problems.append(_("{path}: listed but missing").format(path=entry["path"]))
                continue
            data = archive.read(entry["path"])
            if len(data) != entry.get("bytes") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                problems.append(_("{path}: changed since it was signed").format(path=entry["path"]))
        problems += [
            _("{path}: not listed in the signed manifest").format(path=name)
            for name in sorted(names - listed - {MANIFEST, SIGNATURE})
        ]
    if problems:
        return FileCheck(False, [_not_genuine(problem) for problem in problems])
    return FileCheck(
        True,
        [
            _("genuine export for request {request}, signed by key {kid}").format(
                request=manifest.get("request_id"), kid=kid
            ),
            ngettext(
                "{count} file, with the size and SHA-256 the signed manifest states",
                "{count} files, each with the size and SHA-256 the signed manifest states",
                len(listed),
            ).format(count=format_number(len(listed))),
        ],
    )
