#!/usr/bin/env bash
# `make bench`: the benchmark suite at clinic-network scale (see benchmarks/README.md).
#
# Sets up .venv, installs wrk (Debian package) when it is missing and this runs as root, starts the local
# PostgreSQL cluster when it is not running (as .ci/run does), then runs `python -m benchmarks.run` with
# any arguments given, e.g. `make bench ARGS="--regenerate"`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap-venv.sh

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "bench: installing wrk (Debian package)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
    else
        echo "bench: wrk is not installed. Install it (Debian/Ubuntu: sudo apt-get install wrk) and run again." >&2
        exit 1
    fi
fi

if [ -z "${BENCH_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 &&
    ! pg_isready -q -h /var/run/postgresql; then
    echo "bench: starting the local PostgreSQL cluster"
    bash .ci/run db >/dev/null
fi

exec .venv/bin/python -m benchmarks.run "$@"
