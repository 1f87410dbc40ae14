#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into an EMPTY database.
#
#   scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL
#
# The target must exist and be empty (createdb it first); restoring over a live database is refused so that a
# mistyped URL cannot destroy data. After restoring, run `python manage.py migrate` (a no-op when the dump is
# from the same release). tests/security/test_backup_restore.py proves the round trip (row counts of every
# table and a recorded screening byte for byte).
set -euo pipefail

dump=${1:?usage: restore.sh DUMP_FILE TARGET_DATABASE_URL}
url=${2:?usage: restore.sh DUMP_FILE TARGET_DATABASE_URL}
tables=$(psql "$url" -tAc "select count(*) from information_schema.tables where table_schema = 'public'")
if [ "$tables" != "0" ]; then
    echo "restore.sh: the target database is not empty ($tables tables); refusing to restore over it" >&2
    exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$url" "$dump"
echo "restored $dump"
