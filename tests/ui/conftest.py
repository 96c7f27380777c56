from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _ui_env(portal_env: Path) -> Iterator[Path]:
    """Autouse so the seeded copy is in place before NiceGUI's `user` fixture runs main.py."""
    yield portal_env
