#!/usr/bin/env bash
# Set up and start the app for trying it out: .venv, SQLite database, demo data, http://127.0.0.1:8000.
# Safe to run again: migrations and demo data are idempotent. Stop the server with Ctrl+C.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap-venv.sh
# PDF summaries need a few Debian packages (installed here when run as root); the rest of the app runs without.
bash scripts/system-packages.sh app || echo "run: starting anyway; PDF downloads need those packages." >&2
export DEBUG=${DEBUG:-1}
PY=.venv/bin/python
"$PY" manage.py migrate --noinput
"$PY" manage.py load_demo
exec "$PY" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
