#!/usr/bin/env bash
# Installs everything the tests need (Python packages, the system Chromium where it is missing)
# and runs the whole suite: lint, unit + UI tests, then the browser tests in their own pytest call
# (NiceGUI's simulated-user tests and Playwright each run an event loop; they must not share a process).
#
# Parallelism (docs/qa.md, "Running time"): each pytest call runs on 2 pytest-xdist workers (PORTAL_TEST_WORKERS,
# default 2; 0 runs in one process), and the PostgreSQL call runs in the background beside the browser tests
# (it mostly waits for the database; its output follows theirs). The unit/UI call goes first and alone: one of
# its tests restarts the PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    echo "installing the system Chromium (Debian package 'chromium') for the browser tests"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# A Chinese font (Debian package fonts-wqy-microhei, 1.6 MB): without one Chromium draws Chinese as empty boxes, and
# the layout walk in Chinese (tests/e2e/test_translated_pages.py) would measure boxes instead of text.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    echo "installing a Chinese font (Debian package 'fonts-wqy-microhei') for the browser tests"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null
fi

PARALLEL=(-n "${PORTAL_TEST_WORKERS:-2}")

python -m ruff check portal tests bench main.py
python -m ruff format --check portal tests bench main.py
lint-imports   # the layer contracts in pyproject.toml ([tool.importlinter]): layers flow one way
python -m mypy   # types of portal/ ([tool.mypy] in pyproject.toml): every remaining ignore names its code and why
# --dist loadgroup: the tests that use the PostgreSQL server run in one worker (tests/conftest.py).
python -m pytest tests "${PARALLEL[@]}" --dist loadgroup "$@"

# The database-layer tests once more on PostgreSQL (127.0.0.1:5432/test or PORTAL_TEST_POSTGRES_URL; each test
# gets its own clone of a seeded template database; skipped with the reason when the server is unreachable).
# The whole suite runs there too (PORTAL_TEST_DATABASE=postgres python -m pytest tests), but takes ~6.5 min.
POSTGRES_LOG="$(mktemp "${TMPDIR:-/tmp}/portal-postgres-tests.XXXXXX")"
PORTAL_TEST_DATABASE=postgres python -m pytest "${PARALLEL[@]}" "$@" \
    tests/unit/test_queue_service.py tests/unit/test_worker.py tests/unit/test_audit_chain.py \
    tests/unit/test_erasure.py tests/unit/test_exports.py tests/unit/test_consents.py tests/unit/test_prepared.py \
    >"$POSTGRES_LOG" 2>&1 &
POSTGRES_PID=$!
trap 'kill "$POSTGRES_PID" 2>/dev/null || true' EXIT

E2E_STATUS=0
python -m pytest tests/e2e -o addopts="" -p no:nicegui.testing.user_plugin "${PARALLEL[@]}" "$@" || E2E_STATUS=$?

POSTGRES_STATUS=0
wait "$POSTGRES_PID" || POSTGRES_STATUS=$?
trap - EXIT
echo
echo "==================== the database-layer tests on PostgreSQL (ran beside the browser tests) ===================="
cat "$POSTGRES_LOG"
rm -f "$POSTGRES_LOG"
[ "$POSTGRES_STATUS" -eq 0 ] || echo "the PostgreSQL run failed (exit code $POSTGRES_STATUS)"
[ "$E2E_STATUS" -eq 0 ] || echo "the browser tests failed (exit code $E2E_STATUS)"
[ "$E2E_STATUS" -eq 0 ] && [ "$POSTGRES_STATUS" -eq 0 ]
