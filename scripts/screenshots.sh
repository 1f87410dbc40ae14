#!/usr/bin/env bash
# Refresh the README's screenshots (docs/screenshots/*.png) from the demo data, in Debian's Chromium
# (apt-get install chromium). The browser test that checks the demo data takes them; see
# tests/browser/test_first_run.py. Runs on a throwaway test database: nothing else is touched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap-venv.sh
[ -x /usr/bin/chromium ] || { echo "screenshots: /usr/bin/chromium not found (apt-get install chromium)" >&2; exit 1; }
export SECRET_KEY=${SECRET_KEY:-screenshots-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(40))')}
export SCREENSHOTS_DIR="$PWD/docs/screenshots"
mkdir -p "$SCREENSHOTS_DIR"
.venv/bin/pytest tests/browser/test_first_run.py -p no:xdist -q -rs
ls -l "$SCREENSHOTS_DIR"
