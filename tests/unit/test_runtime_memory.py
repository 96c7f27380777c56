"""Password checks on many threads must not leave a 19 MB block behind in each (portal/runtime_memory.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from portal.config import ROOT

PROBE = """
import sys
from concurrent.futures import ThreadPoolExecutor
from portal.runtime_memory import return_big_blocks
from portal.services.identity import passwords

def rss_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) // 1024

assert return_big_blocks()
stored = passwords.hash_password('demo-password')
before = rss_mb()
with ThreadPoolExecutor(8) as pool:  # as NiceGUI's I/O pool runs sign-ins
    for _ in range(16):
        assert all(pool.map(lambda _: passwords.verify_password(stored, 'demo-password'), range(8)))
print(rss_mb() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the fix is glibc's")
def test_password_checks_on_eight_threads_give_their_memory_back() -> None:
    probe = PROBE.replace("sys.argv[1] == 'off'", "False")
    grown = int(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    )
    # One check's block may still be held while the probe reads; eight threads' worth (8 x 19 MB) may not.
    assert grown < 40, f"resident memory grew by {grown} MB over 128 password checks"
