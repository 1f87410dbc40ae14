# Production image: gunicorn serving the Django app, static files served by whitenoise.
# Build: docker build -t trd-screening .   Run: see docker-compose.yml and docs/deployment.md
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user runs the app; the code itself stays owned by root and read-only to it.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# System libraries for WeasyPrint (PDF summaries) and fonts covering accented names; psycopg[binary] ships
# its own libpq.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Runtime Python dependencies only.
COPY requirements.txt .
RUN pip install --no-input -r requirements.txt

COPY . .

# Collect static files into the image. The key below exists only for this build step:
# the settings refuse to load without one when DEBUG is off. It is not used at run time.
RUN SECRET_KEY=build-only-collectstatic-key DEBUG=0 python manage.py collectstatic --noinput

USER app

EXPOSE 8000

ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]
CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
