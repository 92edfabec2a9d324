"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server."""

import os
import shutil
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls made by the
# test itself (creating users). The live server runs in its own thread and is unaffected.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class SerialWSGIServer(ThreadedWSGIServer):
    """Django's threaded test server, but one request at a time inside the application.

    In-memory SQLite hands the live server one shared connection; the upload page sends two files
    at once, and two request threads on one connection corrupt each other's savepoints. Connections
    stay threaded (Chromium keeps several open); only the application is serialised.
    """

    lock = threading.Lock()

    def set_app(self, application):
        def serial(environ, start_response):
            with self.lock:
                response = application(environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(serial)


@pytest.fixture(scope="session")
def _live_server_setup():
    """Plain http, and serial requests where the test database is in-memory SQLite (see above).

    The live server speaks plain http: the HTTPS redirect, HSTS and secure-only cookies go off
    (SecurityMiddleware reads them when the live server builds its handler, so this runs first).
    PostgreSQL (CI) keeps Django's fully threaded server.
    """
    from django.db import connections
    from django.test.testcases import LiveServerThread
    from django.test.utils import override_settings

    shared_sqlite = any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all())
    server_class = SerialWSGIServer if shared_sqlite else LiveServerThread.server_class
    with (
        override_settings(
            SECURE_SSL_REDIRECT=False,
            SECURE_HSTS_SECONDS=0,
            SESSION_COOKIE_SECURE=False,
            CSRF_COOKIE_SECURE=False,
        ),
        mock.patch.object(LiveServerThread, "server_class", server_class),
    ):
        yield


@pytest.fixture(scope="session")
def live_server(_live_server_setup, live_server):
    return live_server


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if not executable:
        _missing("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield page
    context.close()
    assert not script_errors, f"uncaught script errors in the page: {script_errors}"


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
