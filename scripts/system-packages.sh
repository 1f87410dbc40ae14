#!/usr/bin/env bash
# The Debian packages this project needs besides Python, by purpose; installs those missing when run as root.
#
#   bash scripts/system-packages.sh app     PDF summaries: WeasyPrint's Pango, the DejaVu fonts, HarfBuzz's subsetter
#   bash scripts/system-packages.sh ci      app + the test suite's: make, python3-venv, Chromium, pg_dump
#   bash scripts/system-packages.sh bench   app + wrk (the HTTP load tool of `make bench`)
#
# Not root, with packages missing: prints the apt-get command to run and exits 1 (the caller decides whether
# that stops it). PostgreSQL itself is installed by .ci/run, only when no server is running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

purpose=${1:-app}
packages=()

has_library() { ldconfig -p 2>/dev/null | grep -q "$1"; }

# WeasyPrint (PDF summaries) needs Pango and a font with wide Unicode coverage.
has_library 'libpangoft2-1.0.so.0' || packages+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)
# HarfBuzz's subsetter embeds only the glyphs used, about ten times faster than WeasyPrint's fallback.
has_library 'libharfbuzz-subset.so.0' || packages+=(libharfbuzz-subset0)

case "$purpose" in
app) ;;
ci)
    command -v make >/dev/null 2>&1 || packages+=(make)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || packages+=(python3-venv)
    # Browser tests (tests/browser) drive Debian's Chromium.
    if [ -e tests/browser ] && ! command -v chromium >/dev/null 2>&1; then packages+=(chromium); fi
    # pg_dump/pg_restore for the backup round-trip test.
    command -v pg_dump >/dev/null 2>&1 || packages+=(postgresql-client)
    ;;
bench) command -v wrk >/dev/null 2>&1 || packages+=(wrk) ;;
*)
    echo "system-packages: unknown purpose '$purpose' (use app, ci or bench)" >&2
    exit 2
    ;;
esac

if [ "${#packages[@]}" -eq 0 ]; then
    echo "System packages: nothing to install."
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "System packages missing: ${packages[*]}. Install them with:" >&2
    echo "    sudo apt-get install ${packages[*]}" >&2
    exit 1
fi
echo "Installing system packages: ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
