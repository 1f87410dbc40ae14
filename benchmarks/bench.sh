#!/usr/bin/env bash
# `make bench`: the benchmark suite at clinic-network scale (see benchmarks/README.md).
#
# Sets up .venv, installs wrk and the PDF libraries (Debian packages, scripts/system-packages.sh) when missing
# and this runs as root, starts the local PostgreSQL cluster when it is not running (as .ci/run does), then
# runs `python -m benchmarks.run` with any arguments given, e.g. `make bench ARGS="--regenerate"`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap-venv.sh
bash scripts/system-packages.sh bench

if [ -z "${BENCH_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 &&
    ! pg_isready -q -h /var/run/postgresql; then
    echo "bench: starting the local PostgreSQL cluster"
    bash .ci/run db >/dev/null
fi

exec .venv/bin/python -m benchmarks.run "$@"
