#!/usr/bin/env bash
# Run the whole test suite: on PostgreSQL when DATABASE_URL points at one, else on SQLite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k rules -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap-venv.sh
# Tests run with DEBUG off, as in production, so they need a SECRET_KEY (a throwaway one unless set).
export SECRET_KEY=${SECRET_KEY:-test-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(40))')}
if [ -n "${DATABASE_URL:-}" ]; then echo "Database: DATABASE_URL (PostgreSQL)"; else echo "Database: SQLite (DATABASE_URL not set)"; fi
status=0
.venv/bin/pytest -n auto "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "ERROR: pytest collected no tests (exit code 5)." >&2
    exit 1
fi
exit "$status"
