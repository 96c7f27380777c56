"""Builds one export ZIP: the chosen categories in the chosen formats, plus manifest.json.

Records stream from the database through the registry straight into ZIP entries. The ZIP is written under
a temporary name and renamed when complete, so a download never sees a partly written file; the build holds a lock
on the temporary file meanwhile, so clean-ups can tell it from one a killed process left behind (files.py)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from .. import signing
from ..catalogue import Catalogue, RecordKind, get_catalogue
from ..categories import get_registry
from ..models.types import utcnow
from . import files, writers

PROGRESS_EVERY = 20_000
SIGNATURE_FILE = "manifest.sig.json"  # the detached Ed25519 signature of manifest.json
KEYS_PATH = "/.well-known/portal-signing-keys.json"  # where the public keys are published


@dataclass
class BuildResult:
    file_name: str
    size_bytes: int
    sha256: str
    record_count: int
    manifest: dict[str, Any] = field(default_factory=dict)


def export_dir(base: Path) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    return base


def build(
    engine: Engine,
    *,
    directory: Path,
    customer_id: int,
    request_id: int,
    categories: list[str],
    formats: list[str],
    total_hint: int,
    progress: Callable[[int, int], None] = lambda d, t: None,
) -> BuildResult:
    final_name = files.final_name(request_id)
    temporary = export_dir(directory) / files.partial_name(final_name)
    with files.building(temporary) as handle:
        try:
            return _build(
                engine,
                handle,
                temporary,
                directory / final_name,
                customer_id=customer_id,
                request_id=request_id,
                categories=categories,
                formats=formats,
                total=total_hint * len(formats),
                progress=progress,
            )
        finally:
            temporary.unlink(missing_ok=True)  # a failed build must not leave personal data lying around


def _build(
    engine: Engine,
    handle: BinaryIO,
    temporary: Path,
    final: Path,
    *,
    customer_id: int,
    request_id: int,
    categories: list[str],
    formats: list[str],
    total: int,
    progress: Callable[[int, int], None],
) -> BuildResult:
    catalogue = get_catalogue()
    generated = utcnow().isoformat()
    files: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    done = [0]

    def _tick(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        before = done[0]
        done[0] += len(batch)
        if done[0] // PROGRESS_EVERY != before // PROGRESS_EVERY:
            progress(done[0], total)  # also renews the worker's lease during a long build
        return batch

    with (
        Session(engine) as session,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
    ):

        def batches(kind: RecordKind) -> Iterator[list[dict[str, Any]]]:
            for batch in get_registry().iter_records(session, customer_id=customer_id, kind=kind):
                yield _tick(batch)

        # Each format reads the records again rather than holding them: memory stays flat.
        if "json" in formats:
            counts.update(_json(archive, files, catalogue, categories, customer_id, request_id, generated, batches))
        if "csv" in formats:
            counts.update(_csv(archive, files, catalogue, categories, batches))
        if "html" in formats:
            counts.update(_html(archive, files, catalogue, categories, customer_id, request_id, generated, batches))
        manifest = {
            "customer_id": customer_id,
            "request_id": request_id,
            "policy_version": catalogue.policy_version,
            "generated_at": generated,
            "categories": categories,
            "formats": formats,
            "record_counts": counts,
            "files": files,
            "schema": "docs/export-format.md#manifest",
        }
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        archive.writestr("manifest.json", manifest_bytes)
        # The manifest lists every file with its SHA-256; this signs the manifest's exact bytes with the portal's
        # Ed25519 key, so the whole package can be checked offline with the published public key.
        signature = {**signing.sign_bytes(manifest_bytes), "signs": "manifest.json", "keys": KEYS_PATH}
        archive.writestr(SIGNATURE_FILE, json.dumps(signature, indent=2))
    progress(done[0], total)
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    os.replace(temporary, final)  # atomic: the file appears complete or not at all; still locked until it has
    return BuildResult(final.name, final.stat().st_size, digest.hexdigest(), sum(counts.values()), manifest)


def _entry(
    archive: zipfile.ZipFile,
    files: list[dict[str, Any]],
    name: str,
    write: Callable[[writers.HashingWriter], int | None],
) -> int | None:
    digest = hashlib.sha256()
    with archive.open(name, "w", force_zip64=True) as raw:
        out = writers.HashingWriter(raw, digest)
        result = write(out)
    files.append({"path": name, "sha256": digest.hexdigest(), "bytes": out.size})
    return result


def _kinds(catalogue: Catalogue, categories: list[str]) -> Iterator[tuple[str, RecordKind]]:
    for key in categories:
        for kind in catalogue.categories[key].kinds:
            yield key, kind


def _json(
    archive: zipfile.ZipFile,
    files: list[dict[str, Any]],
    catalogue: Catalogue,
    categories: list[str],
    customer_id: int,
    request_id: int,
    generated: str,
    batches: Callable[[RecordKind], Iterator[list[dict[str, Any]]]],
) -> dict[str, int]:
    counts: dict[str, int] = {}

    def write(out: writers.HashingWriter) -> None:
        head = {
            "customer_id": customer_id,
            "request_id": request_id,
            "policy_version": catalogue.policy_version,
            "generated_at": generated,
        }
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "categories": {')
        for index, key in enumerate(categories):
            category = catalogue.categories[key]
            policy = json.dumps(writers.policy_block(catalogue, category), ensure_ascii=False)
            out.write(("," if index else "") + f'\n "{key}": {{"policy": {policy}, "records": {{')
            for kind_index, kind in enumerate(category.kinds):
                out.write(("," if kind_index else "") + f'\n  "{kind.key}": ')
                counts[kind.key] = writers.json_kind(out, batches(kind))
            out.write("}}")
        out.write("\n}}\n")

    _entry(archive, files, "data.json", write)
    return counts


def _csv(
    archive: zipfile.ZipFile,
    files: list[dict[str, Any]],
    catalogue: Catalogue,
    categories: list[str],
    batches: Callable[[RecordKind], Iterator[list[dict[str, Any]]]],
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, kind in _kinds(catalogue, categories):

        def write(out: writers.HashingWriter, k: RecordKind = kind) -> int:
            return writers.csv_kind(out, k, batches(k))

        counts[kind.key] = _entry(archive, files, f"csv/{key}/{kind.key}.csv", write) or 0
    return counts


def _html(
    archive: zipfile.ZipFile,
    files: list[dict[str, Any]],
    catalogue: Catalogue,
    categories: list[str],
    customer_id: int,
    request_id: int,
    generated: str,
    batches: Callable[[RecordKind], Iterator[list[dict[str, Any]]]],
) -> dict[str, int]:
    counts: dict[str, int] = {}

    def write(out: writers.HashingWriter) -> None:
        writers.html_header(
            out, customer_id=customer_id, request_id=request_id, catalogue=catalogue, generated=generated
        )
        for key in categories:
            category = catalogue.categories[key]
            writers.html_category(out, catalogue, category)
            for kind in category.kinds:
                counts[kind.key] = writers.html_kind(out, kind, batches(kind))
            out.write("</section>")
        out.write("</body></html>")

    _entry(archive, files, "report.html", write)
    return counts
