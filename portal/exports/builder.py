"""Builds one export ZIP: the chosen categories in the chosen formats, the portal's own records about the customer
(sections the services hand in), and manifest.json with the completeness statement, signed.

Records stream from the database through the registry straight into ZIP entries. The ZIP is written under a
temporary name and renamed when complete, so a download never sees a partly written file; the build holds a lock on
the temporary file meanwhile, so clean-ups can tell it from one a killed process left behind (files.py).

The whole build runs in the customer's language and time zone (`Extras`): report.html, the CSV header rows and the
sentences of the completeness statement are written in it; JSON keys and machine values stay English (a machine
contract, docs/export-schema.json)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from .. import signing
from ..catalogue import get_catalogue
from ..catalogue.display import TimeWords
from ..categories import get_registry
from ..i18n import DEFAULT_LOCALE, DEFAULT_TIME_ZONE, known, using_locale, valid_time_zone
from ..models.types import utcnow
from . import completeness, csv_pass, files, html_pass, json_pass
from .context import Batch, BuildContext
from .sections import Section
from .zip_entries import COMPRESS_LEVEL, Entries

PROGRESS_EVERY = 20_000
SIGNATURE_FILE = "manifest.sig.json"  # the detached Ed25519 signature of manifest.json
KEYS_PATH = "/.well-known/portal-signing-keys.json"  # where the public keys are published
# Where the portal publishes docs/export-schema.json: a stable address, not a path in the source repository.
SCHEMA_PATH = "/.well-known/portal-export-schema.json"


@dataclass
class BuildResult:
    file_name: str
    size_bytes: int
    sha256: str
    record_count: int
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Extras:
    """What the services add to a build: the portal's own records about the customer, the reader's language (the
    account's `locale`; None or one the portal does not ship: English) and time zone (the account's `time_zone`; None
    or unknown: UTC, and the report says so), and how long backups keep copies (the completeness statement)."""

    sections: Sequence[Section] = ()
    time_zone: str | None = None
    backup_days: int = 35
    locale: str | None = None


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
    extras: Extras = Extras(),
) -> BuildResult:
    final_name = files.final_name(request_id)
    temporary = export_dir(directory) / files.partial_name(final_name)
    language = known(extras.locale) or DEFAULT_LOCALE
    zone = valid_time_zone(extras.time_zone) or DEFAULT_TIME_ZONE
    with using_locale(language, zone), files.building(temporary) as handle:
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
                total=total_hint,
                progress=progress,
                extras=extras,
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
    total: int,  # the chosen categories' records, as the preview counts them
    progress: Callable[[int, int], None],
    extras: Extras,
) -> BuildResult:
    catalogue, registry = get_catalogue(), get_registry()
    generated = utcnow()
    done = [0]
    # Progress is told in records, as the preview counts them: each format reads the records once, so the records
    # read so far are divided by the formats ("27,608 / 55,216 records", not "/ 165,648").
    passes = max(len(formats), 1)

    def shown() -> int:
        return min(done[0] // passes, total)

    def tick(batch: Batch) -> Batch:
        before = done[0]
        done[0] += len(batch)
        if done[0] // PROGRESS_EVERY != before // PROGRESS_EVERY:
            # Also renews the worker's lease during a long build. The portal's records are read on top of the
            # categories' (the total): what the customer sees never runs past it.
            progress(shown(), total)
        return batch

    with (
        Session(engine) as session,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive,
    ):
        ctx = BuildContext(
            session=session,
            entries=Entries(archive, generated),
            catalogue=catalogue,
            registry=registry,
            customer_id=customer_id,
            request_id=request_id,
            categories=categories,
            formats=formats,
            sections=extras.sections,
            generated=generated,
            times=TimeWords(extras.time_zone),
            tick=tick,
        )
        statement = completeness.gather(
            session,
            catalogue=catalogue,
            registry=registry,
            customer_id=customer_id,
            generated=generated,
            backup_days=extras.backup_days,
            times=ctx.times,
        )
        # Each format reads the records again rather than holding them: memory stays flat.
        if "json" in formats:
            json_pass.write(ctx)
        if "csv" in formats:
            csv_pass.write(ctx)
        extra_files = html_pass.write(ctx, statement, keys_path=KEYS_PATH) if "html" in formats else {}
        for path, write in extra_files.items():
            ctx.entries.stream(path, write)
        manifest = {
            "customer_id": customer_id,
            "request_id": request_id,
            "policy_version": catalogue.policy_version,
            "generated_at": generated.isoformat(),
            "categories": categories,
            "formats": formats,
            "record_counts": ctx.record_counts,
            "portal_record_counts": ctx.section_counts,
            "files": ctx.entries.files,
            "completeness": statement.held_in(
                formats=formats,
                categories=categories,
                sections=[s.key for s in extras.sections],
                extra_csv=extra_files,
            ),
            "schema": SCHEMA_PATH,
        }
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        ctx.entries.put("manifest.json", manifest_bytes)
        # The manifest lists every file with its SHA-256; this signs the manifest's exact bytes with the portal's
        # Ed25519 key, so the whole package can be checked offline with the published public key.
        signature = {**signing.sign_bytes(manifest_bytes), "signs": "manifest.json", "keys": KEYS_PATH}
        ctx.entries.put(SIGNATURE_FILE, json.dumps(signature, indent=2).encode())
    progress(shown(), total)
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    os.replace(temporary, final)  # atomic: the file appears complete or not at all; still locked until it has
    record_count = sum(ctx.record_counts.values())
    return BuildResult(final.name, final.stat().st_size, digest.hexdigest(), record_count, manifest)
