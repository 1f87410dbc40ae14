#!/bin/sh
# Container entry point: apply database migrations, then start the given command
# (by default gunicorn, see the Dockerfile's CMD).
# Set MIGRATE_ON_START=0 on extra web replicas when migrations are run once elsewhere.
set -eu

cd /app

if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
    echo "entrypoint: applying database migrations"
    python manage.py migrate --noinput
fi

exec "$@"
