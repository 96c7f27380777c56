"""Runs the checkout's `main.py` with the given arguments (`python -m tests.e2e.launch [seed --reset]`).

The e2e suite starts its portal and its resets through this module rather than `python main.py`, so that a
`pkill -f main.py` aimed at a developer's own portal on the same machine does not take the suite's portal down
in the middle of a run. It behaves exactly as `python main.py …` run from the checkout.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

MAIN = Path(__file__).resolve().parent.parent.parent / "main.py"

if __name__ == "__main__":
    sys.argv = [str(MAIN), *sys.argv[1:]]
    sys.path.insert(0, str(MAIN.parent))
    runpy.run_path(str(MAIN), run_name="__main__")
