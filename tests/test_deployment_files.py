"""Checks on the deployment and CI files: docker-compose.yml, Dockerfile, .env.example, .ci/run, Makefile.

These read files only; none of them touches the database.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# env("NAME", ...), env.bool("NAME", ...), env.db("NAME", ...), plus os.environ / os.getenv reads.
SETTINGS_ENV_READ = re.compile(
    r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ(?:\.get)?\s*[\[(]\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)

# Resources a browser would fetch from another host: scripts, stylesheets, images, fonts, frames.
EXTERNAL_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\(\s*)?["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|\bimport\s*\(?\s*["'](?:https?:)?//""",
    re.IGNORECASE,
)

# Hosts that only ever serve third-party front-end assets: not allowed anywhere.
CDN_HOSTS = re.compile(
    r"(?:cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|(?:stackpath|maxcdn|netdna)\.bootstrapcdn\.com"
    r"|code\.jquery\.com|ajax\.googleapis\.com|fonts\.googleapis\.com|fonts\.gstatic\.com"
    r"|(?:use|kit)\.fontawesome\.com|cdn\.tailwindcss\.com|esm\.sh|cdn\.skypack\.dev)",
    re.IGNORECASE,
)

LICENCE_COMMENT = re.compile(r"/\*!.*?\*/", re.DOTALL)

VENDOR_FILES = [
    "static/vendor/bootstrap/css/bootstrap.min.css",
    "static/vendor/bootstrap/css/bootstrap.min.css.map",
    "static/vendor/bootstrap/js/bootstrap.bundle.min.js",
    "static/vendor/bootstrap/js/bootstrap.bundle.min.js.map",
    "static/vendor/bootstrap/LICENSE",
]


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(read("docker-compose.yml"))


def environment_names(service: dict) -> set[str]:
    environment = service.get("environment", {})
    if isinstance(environment, dict):
        return set(environment)
    return {item.split("=", 1)[0] for item in environment}


def environment_value(service: dict, name: str) -> str:
    environment = service.get("environment", {})
    if isinstance(environment, dict):
        return str(environment[name])
    values = dict(item.split("=", 1) for item in environment)
    return values[name]


def settings_env_names() -> set[str]:
    text = read("config/settings.py")
    return {next(group for group in match.groups() if group) for match in SETTINGS_ENV_READ.finditer(text)}


def env_example_names() -> set[str]:
    # Commented-out entries ("# DATABASE_URL=...") count as listed: they document the variable.
    pattern = re.compile(r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
    return set(pattern.findall(read(".env.example")))


# --- docker-compose.yml -------------------------------------------------------------------------


def test_compose_has_db_and_web_services(compose):
    assert {"db", "web"} <= set(compose["services"])


def test_compose_db_is_postgres_16(compose):
    image = compose["services"]["db"]["image"]
    match = re.fullmatch(r"postgres:(\d+)(?:[.\-][\w.\-]*)?", image)
    assert match, f"unexpected db image {image!r}"
    assert match.group(1) == "16"


def test_compose_db_keeps_data_in_named_volume(compose):
    volumes = compose["services"]["db"]["volumes"]
    mounts = [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in volumes]
    named = [m.split(":", 1)[0] for m in mounts if m.endswith(":/var/lib/postgresql/data")]
    assert named == ["pgdata"]
    assert "pgdata" in (compose.get("volumes") or {})


def test_compose_db_password_must_be_set(compose):
    password = environment_value(compose["services"]["db"], "POSTGRES_PASSWORD")
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", password), password


def test_compose_db_healthcheck_uses_pg_isready(compose):
    healthcheck = compose["services"]["db"]["healthcheck"]
    test = healthcheck["test"]
    command = " ".join(test) if isinstance(test, list) else test
    assert "pg_isready" in command
    assert "-U" in command
    assert "-d" in command
    for key in ("interval", "timeout", "retries"):
        assert key in healthcheck


def test_compose_web_waits_for_healthy_db(compose):
    depends_on = compose["services"]["web"]["depends_on"]
    assert isinstance(depends_on, dict), "use the long form so the condition can be given"
    assert depends_on["db"]["condition"] == "service_healthy"


def test_compose_web_environment(compose):
    web = compose["services"]["web"]
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= environment_names(web)
    assert environment_value(web, "DEBUG") in {"0", "False", "false"}
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment_value(web, "SECRET_KEY"))
    assert "@db:" in environment_value(web, "DATABASE_URL")
    assert web.get("build") in (".", {"context": "."})


# --- .env.example -------------------------------------------------------------------------------


def test_settings_read_environment_variables():
    names = settings_env_names()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL"} <= names, names


def test_env_example_lists_every_setting():
    missing = settings_env_names() - env_example_names()
    assert not missing, f".env.example does not list: {sorted(missing)}"


def test_env_example_lists_compose_variables():
    text = read("docker-compose.yml")
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    missing = used - env_example_names()
    assert not missing, f".env.example does not list: {sorted(missing)}"


def test_env_example_holds_no_secrets():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", read(".env.example"), re.MULTILINE))
    assert values["SECRET_KEY"] == ""
    assert values["POSTGRES_PASSWORD"] == ""


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_runs_gunicorn_without_dev_requirements():
    dockerfile = read("Dockerfile")
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", dockerfile, re.MULTILINE)
    assert "gunicorn config.wsgi:application" in dockerfile
    assert "requirements-dev" not in dockerfile
    assert "pip install --no-input -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "the image must not run as root"
    assert users[-1] not in {"root", "0"}


def test_entrypoint_migrates_then_execs_command():
    entrypoint = read("docker/entrypoint.sh")
    assert "manage.py migrate --noinput" in entrypoint
    assert 'exec "$@"' in entrypoint
    assert "docker/entrypoint.sh" in read("Dockerfile")


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set(read(".dockerignore").split())
    assert {".env", ".venv", ".git", "db.sqlite3", "staticfiles"} <= ignored


# --- CI and developer tooling -------------------------------------------------------------------


def test_ci_run_is_valid_bash():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK) or read(".ci/run").startswith("#!/usr/bin/env bash")
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not available")
    subprocess.run([bash, "-n", str(ci)], check=True)  # noqa: S603
    subprocess.run([bash, "-n", str(ROOT / "scripts" / "bootstrap-venv.sh")], check=True)  # noqa: S603


def test_ci_run_fails_when_no_tests_ran():
    ci = read(".ci/run")
    assert "set -euo pipefail" in ci
    assert re.search(r"^fail_if_no_tests\(\)", ci, re.MULTILINE)
    assert re.search(r"^\s+fail_if_no_tests ", ci, re.MULTILINE), "the guard must be called"
    assert "no tests ran" in ci
    runner = read("scripts/test.sh")
    assert re.search(r'"\$status" -eq 5 \]; then\n.*\n\s+exit 1', runner), "pytest's exit code 5 must be a failure"
    assert "scripts/test.sh" in ci, "CI runs the README's test command"


def test_ci_run_steps_in_order():
    ci = read(".ci/run")
    steps = [
        "scripts/bootstrap-venv.sh",
        "ensure_postgres\n",
        "create_test_database\n",
        "manage.py check",
        "manage.py makemigrations --check --dry-run",
        'ruff" check .',
        "run_tests\n",
    ]
    main = ci[ci.index('step "System packages"') :]
    positions = [main.index(step) for step in steps]
    assert positions == sorted(positions)


def test_ci_installs_chromium_only_for_browser_tests():
    assert "scripts/system-packages.sh ci" in read(".ci/run")
    packages = read("scripts/system-packages.sh")
    ci = packages[packages.index("\nci)") : packages.index(";;", packages.index("\nci)"))]
    assert "tests/browser" in ci
    assert "chromium" in ci


@pytest.mark.parametrize(
    ("script", "purpose"), [("scripts/run.sh", "app"), (".ci/run", "ci"), ("benchmarks/bench.sh", "bench")]
)
def test_every_entry_point_installs_the_pdf_libraries(script, purpose):
    assert f"bash scripts/system-packages.sh {purpose}" in read(script)
    packages = read("scripts/system-packages.sh")
    shared = packages[: packages.index('case "$purpose" in')]  # checked whatever the purpose
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core", "libharfbuzz-subset0"):
        assert package in shared


def test_makefile_targets():
    makefile = read("Makefile")
    for target in ("run", "test", "lint", "fmt", "clean"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
    assert "scripts/bootstrap-venv.sh" in makefile
    assert "$(ARGS)" in makefile


# --- No CDN: everything the pages load is served by the app itself -----------------------------


def frontend_files() -> list[Path]:
    files = [p for p in (ROOT / "templates").rglob("*") if p.is_file()]
    for folder in ("static/css", "static/js"):
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file()]
    files += [ROOT / name for name in VENDOR_FILES if name.endswith((".css", ".js"))]
    return [p for p in files if p.suffix in {".html", ".txt", ".css", ".js", ".svg"}]


def external_references(text: str) -> list[str]:
    text = LICENCE_COMMENT.sub("", text)
    found = []
    for line in text.splitlines():
        if "sourceMappingURL" in line:
            continue
        found += [m.group(0) for m in EXTERNAL_RESOURCE.finditer(line)]
        found += [m.group(0) for m in CDN_HOSTS.finditer(line)]
    return found


def test_no_external_cdn_references():
    offenders = {}
    for path in frontend_files():
        found = external_references(path.read_text(encoding="utf-8", errors="replace"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found[:3]
    assert not offenders, f"pages must not load anything from another host: {offenders}"


@pytest.mark.parametrize(
    "snippet",
    [
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css">',
        '<script src="//code.jquery.com/jquery.js"></script>',
        "@import url('https://fonts.googleapis.com/css2?family=Inter');",
        "body { background: url(https://example.org/bg.png); }",
    ],
)
def test_cdn_detector_catches_external_resources(snippet):
    assert external_references(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<a href="https://www.nice.org.uk/guidance/ng222">NICE guideline</a>',
        "/*# sourceMappingURL=bootstrap.min.css.map */",
        "/*! Bootstrap (https://getbootstrap.com/) */",
        """background-image: url("data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e");""",
        '<link rel="stylesheet" href="{% static \'vendor/bootstrap/css/bootstrap.min.css\' %}">',
    ],
)
def test_cdn_detector_allows_local_and_plain_links(snippet):
    assert not external_references(snippet)


def test_bootstrap_is_vendored():
    for name in VENDOR_FILES:
        assert (ROOT / name).is_file(), name
    header = read("static/vendor/bootstrap/css/bootstrap.min.css")[:200]
    assert re.search(r"Bootstrap\s+v5\.3\.\d+", header), header
    assert "MIT" in read("static/vendor/bootstrap/LICENSE")
