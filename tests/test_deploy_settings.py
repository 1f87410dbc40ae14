"""Production settings: ``manage.py check --deploy`` reports nothing, for a production-like environment and for
the environment docker-compose.yml gives the web container.

Each check runs in a subprocess with an environment of its own, since the settings are read once per process.
No database is touched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# Values of the settings under test, printed as JSON by a subprocess.
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_HTTPONLY",
    "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SESSION_COOKIE_AGE", "AXES_FAILURE_LIMIT", "LOGIN_ADDRESS_FAILURE_LIMIT",
    "REQUIRE_2FA_FOR_ADMINISTRATORS",
]
values = {name: getattr(s, name, None) for name in names}
values["AXES_COOLOFF_MINUTES"] = s.AXES_COOLOFF_TIME.total_seconds() / 60
print(json.dumps(values))
"""


def production_environment(**overrides: str) -> dict[str, str]:
    """A production-like environment: only what the process needs plus the required settings."""
    environment = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "SYSTEMROOT") if name in os.environ}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="trd.example-hospital.org",
        CSRF_TRUSTED_ORIGINS="https://trd.example-hospital.org",
    )
    environment.update(overrides)
    return environment


def run(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_for(environment: dict[str, str]) -> dict:
    result = run(["-c", PRINT_SETTINGS], environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_deploy_check_is_clean(environment: dict[str, str]) -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    assert_deploy_check_is_clean(production_environment())


def test_production_defaults_when_debug_is_off():
    values = settings_for(production_environment())

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when the deployment says a proxy sets it
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://trd.example-hospital.org"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["SESSION_COOKIE_AGE"] == 15 * 60
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_COOLOFF_MINUTES"] == 30
    assert values["REQUIRE_2FA_FOR_ADMINISTRATORS"] is False


def test_development_defaults_when_debug_is_on():
    values = settings_for(production_environment(DEBUG="1"))

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


def test_environment_variables_override_the_defaults():
    values = settings_for(
        production_environment(
            SECURE_PROXY_SSL_HEADER="1",
            SESSION_IDLE_TIMEOUT_MINUTES="5",
            AXES_FAILURE_LIMIT="7",
            LOGIN_ADDRESS_FAILURE_LIMIT="50",
            AXES_COOLOFF_MINUTES="60",
            REQUIRE_2FA_FOR_ADMINISTRATORS="1",
        )
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_AGE"] == 5 * 60
    assert values["AXES_FAILURE_LIMIT"] == 7
    assert values["LOGIN_ADDRESS_FAILURE_LIMIT"] == 50
    assert values["AXES_COOLOFF_MINUTES"] == 60
    assert values["REQUIRE_2FA_FOR_ADMINISTRATORS"] is True


def test_a_secret_key_is_required_when_debug_is_off():
    environment = production_environment()
    del environment["SECRET_KEY"]

    result = run(["manage.py", "check"], environment)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


# --- docker-compose.yml --------------------------------------------------------------------------------

SUBSTITUTION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::([-?])([^}]*))?\}")
REQUIRED_SAMPLES = {"POSTGRES_PASSWORD": "sample-password", "SECRET_KEY": secrets.token_urlsafe(50)}


def compose_web_environment() -> dict[str, str]:
    """The web container's environment as compose builds it from an empty .env (defaults, required values
    filled with samples)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    environment = compose["services"]["web"]["environment"]

    def resolve(match: re.Match) -> str:
        name, kind, default = match.groups()
        if kind == "?":
            return REQUIRED_SAMPLES[name]
        return default or ""

    return {name: SUBSTITUTION.sub(resolve, str(value)) for name, value in environment.items()}


@pytest.fixture(scope="module")
def compose_environment() -> dict[str, str]:
    environment = compose_web_environment()
    # The only thing compose leaves to .env that a real site must set: the name it is served as.
    environment.update(
        ALLOWED_HOSTS="trd.example-hospital.org", CSRF_TRUSTED_ORIGINS="https://trd.example-hospital.org"
    )
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {**base, "DJANGO_SETTINGS_MODULE": "config.settings", **environment}


def test_compose_runs_the_web_container_with_production_settings(compose_environment):
    assert compose_environment["DEBUG"] == "0"
    values = settings_for(compose_environment)

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    # The stack sits behind a TLS proxy: without trusting its X-Forwarded-Proto the HTTPS redirect would loop.
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_check_deploy_reports_nothing_for_the_compose_environment(compose_environment):
    assert_deploy_check_is_clean(compose_environment)
