"""Give big freed blocks back to the system: glibc's malloc otherwise keeps them, a password check's worth per thread.

Checking a password with Argon2 takes a 19 MB block (passwords.MEMORY_KIB). glibc serves a block that big with
mmap and returns it at free, but then raises its mmap threshold to the freed size, so from the next check on the
block comes from the calling thread's own arena and stays there. Sign-ins run on NiceGUI's I/O thread pool (up to
40 threads), so every thread that ever checked a password kept 19 MB: 152 MB after 128 checks on 8 threads in
tests/unit/test_runtime_memory.py, and +19 MB per sign-in seen on a running portal. A fixed threshold turns the
adjustment off: blocks over 1 MB are always mapped and always returned. Other C libraries (musl) have no such
adjustment and no `mallopt` to call; there this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
_THRESHOLD = 1 << 20


def return_big_blocks() -> bool:
    """Fix glibc's mmap threshold at 1 MB for this process. True if it was set (glibc on Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc: nothing to turn off
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, _THRESHOLD))
