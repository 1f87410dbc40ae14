"""Browser tests: Debian's Chromium, driven by Playwright for Python, against pytest-django's live server.

- One browser per test session (per xdist worker), a new context (fresh cookies) per test.
- Never a downloaded browser: the tests launch ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run``
  installs it) and skip, saying so, only when it is absent.
- The live server runs in a thread of this process, on the test database (SQLite in memory locally,
  PostgreSQL when ``DATABASE_URL`` is set), and serves the static files from the finders.
- Locators are by role and accessible name (``get_by_role``, ``get_by_label``): a control the tests cannot
  find by its name is a control a screen-reader user cannot find either.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop running in the main thread for the whole session, and Django
# refuses ORM calls from a thread with a running loop. The test code calls the ORM only between browser calls,
# never concurrently with them, so the check does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container, where Chromium's sandbox cannot start
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers often give /dev/shm only 64 MB, too little for a renderer
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _plain_http():
    """The live server speaks plain HTTP on localhost: no redirect to HTTPS, no secure-only cookies.

    Session-scoped because ``SecurityMiddleware`` reads ``SECURE_SSL_REDIRECT`` once, when the live server
    builds its handler; the override must be in place before the server starts and stay for its lifetime.
    """
    from django.test.utils import override_settings

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SECURE_HSTS_SECONDS=0,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
    ):
        yield


@pytest.fixture(scope="session")
def live_server(_plain_http, live_server):
    """pytest-django's live server, started after the plain-HTTP settings are in place."""
    return live_server


@pytest.fixture
def server(live_server) -> str:
    return live_server.url


def _new_context(browser, server: str, **options):
    context = browser.new_context(base_url=server, viewport=VIEWPORT, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


class PageProblems:
    """Script errors and Content Security Policy violations a page reports in its console."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.messages.append(message.text)

    def on_page_error(self, error) -> None:
        self.messages.append(str(error))


@pytest.fixture
def context(browser, server) -> Iterator:
    context = _new_context(browser, server)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Iterator:
    """A page with the app's own Content Security Policy in force; any script error or CSP violation fails."""
    page = context.new_page()
    problems = PageProblems()
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    yield page
    assert not problems.messages, "The page reported script errors or CSP violations:\n" + "\n".join(problems.messages)


@pytest.fixture
def axe_page(browser, server) -> Iterator:
    """A page for axe runs. axe is injected as an inline script, which the app's CSP (``script-src 'self'``)
    rightly refuses, so these contexts bypass the CSP; the other tests keep it in force."""
    context = _new_context(browser, server, bypass_csp=True)
    yield context.new_page()
    context.close()
