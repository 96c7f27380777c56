"""Export files on disk: their names, the lock a build holds on the partial file it writes, and removing a file only
when no build is writing it.

A build writes `.partial-export-<request>-<random>.zip` and renames it when complete. A process killed half way
leaves the partial file behind, full of a customer's data, and nothing in the database points at it. Whoever cleans
up (an erasure, the start-up and the worker's housekeeping, `seed --reset`) must tell such a leftover from the file
of a build still running, in this process or another one sharing the directory: the build holds an exclusive
`flock` on its partial file from creation to rename, and the kernel drops it when the process dies, however it dies.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

PARTIAL_PREFIX = ".partial-"
_NAME = re.compile(r"^(?:\.partial-)?export-(\d+)-[0-9a-f]+\.zip$")
_CREATE_ATTEMPTS = 3


def final_name(request_id: int) -> str:
    """A new, unguessable file name for a request's ZIP (the request id first, so cleaning up can find it)."""
    return f"export-{request_id}-{os.urandom(8).hex()}.zip"


def partial_name(final: str) -> str:
    return PARTIAL_PREFIX + final


def is_partial(name: str) -> bool:
    return name.startswith(PARTIAL_PREFIX)


def request_id_of(name: str) -> int | None:
    """The request a file in the export directory was built for (final or partial); None for any other name."""
    match = _NAME.match(name)
    return int(match.group(1)) if match else None


@contextmanager
def building(path: Path) -> Iterator[BinaryIO]:
    """Create `path` (it must not exist) and hold an exclusive lock on it until the block ends: meanwhile
    `remove_unless_building` leaves it alone. Rename the file inside the block, so it is never unlocked under its
    partial name while complete."""
    for _ in range(_CREATE_ATTEMPTS):
        handle = path.open("xb+")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # new and unique: nobody else can hold it for long
        if _still_at(path, handle):
            break
        handle.close()  # a clean-up removed it between its creation and our lock: create it again
    else:
        raise OSError(f"{path.name} was removed {_CREATE_ATTEMPTS} times while it was created")
    try:
        yield handle
    finally:
        handle.close()  # releases the lock


def remove_unless_building(path: Path) -> bool:
    """Remove a partial file unless a build (of any process) is writing it; returns whether it was removed."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a running build holds it; the build removes it itself if it fails
        if not _still_at(path, handle):
            return False  # renamed or replaced meanwhile
        path.unlink(missing_ok=True)
        return True


def _still_at(path: Path, handle: BinaryIO) -> bool:
    """Whether `path` still names the file `handle` has open."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False
