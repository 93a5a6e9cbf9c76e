#!/usr/bin/env sh
# Install civicforum with its test dependencies into .venv and run the whole test suite.
# The database under test: SQLite by default; set CIVICFORUM_TEST_DATABASE_URL to a
# PostgreSQL URL (postgresql+psycopg://user@host/db) to run the tests against it (all but
# the axe audits marked database_independent, which the SQLite pass runs).
# Browser tests drive Debian's Chromium (/usr/bin/chromium); as root this script installs
# it when it is missing. Tests run in two processes (pytest-xdist), a whole file at a time so
# that a module's live site is made once; CIVICFORUM_TEST_WORKERS sets how many (0: one
# process, no workers). Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the browser tests (Debian package)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "NOTE: /usr/bin/chromium is missing; browser tests will be skipped (sudo apt-get install chromium)." >&2
  fi
fi
exec .venv/bin/python -m pytest -n "${CIVICFORUM_TEST_WORKERS:-2}" --dist loadfile "$@"
