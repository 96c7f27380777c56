"""Writing the entries of an export ZIP: each dated with the build time and listed with its SHA-256 and size.

`ZipFile.open(name, "w")` dates an entry 1980-01-01 (ZipInfo's default) and `writestr(name, ...)` with the
machine's local clock; every entry here carries the time the export was built, in UTC, as the manifest says."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from .writers import HashingWriter

T = TypeVar("T")
COMPRESS_LEVEL = 1  # deflate's fastest level: exports are large, and the CPU is shared with the portal


class Entries:
    def __init__(self, archive: zipfile.ZipFile, built_at: datetime) -> None:
        self.archive = archive
        # ZIP stores local date and time without a zone, in two-second steps: the build time in UTC is written.
        self.date_time = built_at.timetuple()[:6]
        self.files: list[dict[str, Any]] = []  # what the manifest lists: path, sha256, bytes

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        # Python 3.11's ZipInfo has no public compression level (3.13 adds `compress_level`); ZipFile.open sets this
        # same attribute when given a name instead of a ZipInfo.
        setattr(info, "_compresslevel", COMPRESS_LEVEL)  # noqa: B010
        info.external_attr = 0o644 << 16  # an ordinary readable file when unpacked
        return info

    def stream(self, name: str, write: Callable[[HashingWriter], T]) -> T:
        """Writes one listed entry as it is produced, hashing the bytes on their way into the ZIP."""
        digest = hashlib.sha256()
        with self.archive.open(self._info(name), "w", force_zip64=True) as raw:
            out = HashingWriter(raw, digest)
            result = write(out)
        self.files.append({"path": name, "sha256": digest.hexdigest(), "bytes": out.size})
        return result

    def put(self, name: str, data: bytes) -> None:
        """An entry the manifest does not list: the manifest itself and its signature."""
        self.archive.writestr(self._info(name), data)
