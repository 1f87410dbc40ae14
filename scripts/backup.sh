#!/usr/bin/env bash
# Back up the PostgreSQL database to a compressed custom-format dump.
#
#   scripts/backup.sh [DATABASE_URL] [OUTPUT_FILE]
#
# DATABASE_URL defaults to the environment variable of the same name; OUTPUT_FILE defaults to
# backups/trd-screening-<UTC timestamp>.dump. Restore with scripts/restore.sh. The dump holds protected
# health information: store it encrypted and with the same access controls as the database itself.
set -euo pipefail

url=${1:-${DATABASE_URL:?set DATABASE_URL or pass it as the first argument}}
case "$url" in
    postgres://* | postgresql://*) ;;
    *) echo "backup.sh: only PostgreSQL databases can be backed up this way (got ${url%%:*})" >&2; exit 2 ;;
esac
out=${2:-backups/trd-screening-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$out")"
umask 077
pg_dump --format=custom --no-owner --no-privileges --dbname="$url" --file="$out"
echo "$out"
