#!/usr/bin/env bash
# Create the project's virtual environment (.venv) if it is missing and install
# requirements-dev.txt into it, but only when a requirements file changed since
# the last successful install. Used by the Makefile and by .ci/run.
#
# Environment: PYTHON (default python3), VENV (default .venv),
#              REQUIREMENTS (default requirements-dev.txt).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
REQUIREMENTS=${REQUIREMENTS:-requirements-dev.txt}
STAMP="$VENV/.requirements-installed"

die() {
    printf 'bootstrap-venv: %s\n' "$*" >&2
    exit 1
}

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found. Install Python 3.11 (Debian/Ubuntu: apt-get install python3 python3-venv)."

version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
    printf 'bootstrap-venv: warning: %s is Python %s; the project is developed and tested on 3.11.\n' "$PYTHON" "$version" >&2
fi

venv_is_usable() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

if ! venv_is_usable; then
    # Debian and Ubuntu ship venv/ensurepip separately from python3; without it
    # "python3 -m venv" fails half-way and leaves a venv without pip.
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        cat >&2 <<EOF
bootstrap-venv: cannot create $VENV: Python's venv/ensurepip module is not installed.
  On Debian or Ubuntu install it, then run this again:
      apt-get install python3-venv        (as root, or prefixed with sudo)
EOF
        exit 1
    fi
    if [ -e "$VENV" ]; then
        echo "bootstrap-venv: $VENV exists but is incomplete (no working pip); recreating it"
        rm -rf "$VENV"
    fi
    echo "bootstrap-venv: creating $VENV with $PYTHON ($version)"
    if ! "$PYTHON" -m venv "$VENV"; then
        rm -rf "$VENV"
        die "'$PYTHON -m venv $VENV' failed. On Debian or Ubuntu: apt-get install python3-venv (as root or with sudo), then try again."
    fi
fi

[ -f "$REQUIREMENTS" ] || die "$REQUIREMENTS not found"

# The fingerprint covers every requirements file, since requirements-dev.txt includes requirements.txt.
fingerprint=$(cat requirements*.txt "$REQUIREMENTS" | "$VENV/bin/python" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
    exit 0
fi

echo "bootstrap-venv: installing $REQUIREMENTS into $VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$REQUIREMENTS"
printf '%s\n' "$fingerprint" >"$STAMP"
echo "bootstrap-venv: $VENV is up to date"
