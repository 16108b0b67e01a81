"""Browser tests: the official phoenix_live_view client in Debian's chromium against a real
daphne (or uvicorn) process.

Fixtures:
  demo_server   package: one daphne process (DEBUG=1, own sqlite copy) shared by the tests
  browser       package: Chromium driven by Playwright (executable /usr/bin/chromium)
  page          function: a fresh context and page; console errors and page errors fail the
                test unless the test allowed them with `browser_log.allow(regex)`
  browser_log   function: what the page logged (see BrowserLog)
  open_live     function: open_live(url) goes to url and waits for the live connection
plus the server fixtures of tests/support/pytest_servers.py (server_factory, server_pool, ...).
"""
from __future__ import annotations

import os
import re

import pytest

from tests.support.pytest_servers import *  # noqa: F401,F403
from tests.support.pytest_servers import add_report_section, require_js_bundle

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CONNECTED = "[data-phx-main].phx-connected"
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def demo_server(server_pool):
    """One daphne process with DEBUG=1 for all browser tests; tests must not stop it.
    (Not named live_server: pytest-django's autouse helper gives any test that uses a fixture
    of that name a transactional test database.)"""
    require_js_bundle()
    return server_pool("daphne")


# Package scope, not session: while Playwright's sync API is started, the main thread looks like
# it runs an event loop, which breaks asyncio.run() and Django's ORM (SynchronousOnlyOperation)
# for every later test of the session. It is stopped when the last browser test is done.
@pytest.fixture(scope="package")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        # Fail, never skip: a missing browser must not turn the suite green.
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium. "
                    f"Run `make chromium` (apt-get install chromium). "
                    f"Do not run `playwright install`.", pytrace=False)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)
    except Exception:
        pw.stop()
        raise
    yield chromium
    chromium.close()
    pw.stop()


class BrowserLog:
    """Console messages and uncaught errors of one page.

    `errors` holds console.error messages and page errors; those not matching a pattern given to
    `allow()` fail the test at teardown. Chromium's own 404 for /favicon.ico is ignored."""

    def __init__(self):
        self.messages: list[str] = []
        self.errors: list[str] = []
        self._allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """Expect errors matching `pattern` (re.search) in this test."""
        self._allowed.append(re.compile(pattern))

    def on_console(self, msg) -> None:
        loc = msg.location or {}
        where = f" ({loc.get('url')}:{loc.get('lineNumber')})" if loc.get("url") else ""
        entry = f"[console.{msg.type}] {msg.text}{where}"
        self.messages.append(entry)
        if msg.type == "error" and not str(loc.get("url", "")).endswith("/favicon.ico"):
            self.errors.append(entry)

    def on_page_error(self, error) -> None:
        entry = f"[pageerror] {error.name}: {error.message}\n{error.stack or ''}"
        self.messages.append(entry)
        self.errors.append(entry)

    def on_crash(self, _page) -> None:
        self.messages.append("[crash] the page crashed")
        self.errors.append("[crash] the page crashed")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self._allowed)]

    def dump(self) -> str:
        return "\n".join(self.messages) or "(no console output)"


@pytest.fixture
def browser_log(request):
    log = BrowserLog()
    add_report_section(request.node, "browser console", log.dump)
    return log


@pytest.fixture
def new_page(browser, browser_log):
    """Opens pages, each in its own browser context (own cookies and websocket), their
    console and page errors checked; all closed at teardown."""
    contexts = []

    def open_page():
        context = browser.new_context()
        contexts.append(context)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        page.on("console", browser_log.on_console)
        page.on("pageerror", browser_log.on_page_error)
        page.on("crash", browser_log.on_crash)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
    unexpected = browser_log.unexpected()
    if unexpected:
        pytest.fail("unexpected JavaScript errors in the page:\n" + "\n".join(unexpected),
                    pytrace=False)


@pytest.fixture
def open_live(page):
    """open_live(url): load the page over HTTP, then wait until the client has joined."""

    def open_live(url: str, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        page.goto(url)
        page.wait_for_selector(CONNECTED, timeout=timeout_ms)
        return page

    return open_live
