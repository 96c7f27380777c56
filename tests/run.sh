#!/usr/bin/env bash
# Installs everything the tests need (Python packages, the system Chromium where it is missing)
# and runs the whole suite: lint, unit + UI tests, then the browser tests in their own pytest call
# (NiceGUI's simulated-user tests and Playwright each run an event loop; they must not share a process).
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -e '.[test]'

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    echo "installing the system Chromium (Debian package 'chromium') for the browser tests"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

python -m ruff check portal tests bench main.py
lint-imports   # the layer contracts in pyproject.toml ([tool.importlinter]): layers flow one way
python -m pytest tests "$@"
# The database-layer tests once more on PostgreSQL (127.0.0.1:5432/test or PORTAL_TEST_POSTGRES_URL; each test
# gets its own clone of a seeded template database; skipped with the reason when the server is unreachable).
# The whole suite runs there too (PORTAL_TEST_DATABASE=postgres python -m pytest tests), but takes ~6.5 min.
PORTAL_TEST_DATABASE=postgres python -m pytest "$@" \
    tests/unit/test_queue_service.py tests/unit/test_worker.py tests/unit/test_audit_chain.py \
    tests/unit/test_erasure.py tests/unit/test_exports.py tests/unit/test_consents.py tests/unit/test_prepared.py
python -m pytest tests/e2e -o addopts="" -p no:nicegui.testing.user_plugin "$@"
