"""Browser tests: the official phoenix_live_view client in Debian's chromium against a real
daphne (or uvicorn) process.

Fixtures:
  demo_server   package: one daphne process (DEBUG=1, own sqlite copy) shared by the tests
  browser       package: Chromium driven by Playwright (executable /usr/bin/chromium)
  new_page      function: new_page() opens a page in a fresh browser context
  page          function: the test's page, new_page()
  browser_log   function: what the pages logged (see BrowserLog)
  open_live     function: open_live(url) goes to url and waits for the live connection
plus the server fixtures of tests/support/pytest_servers.py (server_factory, server_pool, ...).

Every page a test opens (through `page`, `new_page`, or as a tab or popup of their contexts)
is watched: at teardown, a console error, an uncaught page error or a page crash fails the test
unless the test expects it with `browser_log.allow(regex)`. Allow only a message the test
provokes on purpose, as narrowly as possible, and say why.
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
# What Chromium logs (console.error) for each reconnect attempt of the client while the server is
# down: for tests that stop the server on purpose, to pass to browser_log.allow(). An attempt
# that lands while the server is shutting down is reset rather than refused.
WS_REFUSED = (r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/live/websocket\?[^']*' failed: "
              r"(Error in connection establishment: net::ERR_CONNECTION_REFUSED"
              r"|Error during WebSocket handshake: net::ERR_CONNECTION_RESET)")
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
@pytest.fixture(scope="module")
def upload_dirs(tmp_path_factory, request):
    """A media root and an upload temp dir of the test module's own (for its own server)."""
    root = tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])
    dirs = {"media": root / "media", "temp": root / "temp"}
    for path in dirs.values():
        path.mkdir()
    return dirs


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
    """Console messages, uncaught errors and crashes of the pages of one test.

    `errors` holds console.error messages (failed resource loads included), page errors and
    crashes; `new_page` fails the test at teardown with those that match no pattern given to
    `allow()`. With more than one page, each entry names its page (page 1 is the first one
    opened)."""

    def __init__(self):
        self.messages: list[str] = []
        self.errors: list[str] = []
        self._allowed: list[re.Pattern] = []
        self._pages: list = []

    def allow(self, pattern: str) -> None:
        """Expect errors matching `pattern` (re.search) in this test."""
        self._allowed.append(re.compile(pattern))

    def watch(self, page) -> None:
        """Record what `page` logs; watching a page twice records it once."""
        if any(p is page for p in self._pages):
            return
        self._pages.append(page)
        label = f"page {len(self._pages)}"
        page.on("console", lambda msg: self.on_console(msg, label))
        page.on("pageerror", lambda error: self.on_page_error(error, label))
        page.on("crash", lambda _page: self.on_crash(label))

    def _add(self, entry: str, label: str, error: bool) -> None:
        entry = f"{label}: {entry}"
        self.messages.append(entry)
        if error:
            self.errors.append(entry)

    def on_console(self, msg, label: str) -> None:
        loc = msg.location or {}
        where = f" ({loc.get('url')}:{loc.get('lineNumber')})" if loc.get("url") else ""
        self._add(f"[console.{msg.type}] {msg.text}{where}", label, msg.type == "error")

    def on_page_error(self, error, label: str) -> None:
        self._add(f"[pageerror] {error.name}: {error.message}\n{error.stack or ''}", label, True)

    def on_crash(self, label: str) -> None:
        self._add("[crash] the page crashed", label, True)

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
    """new_page() opens a page in a browser context of its own (own cookies and websocket).

    Every page of those contexts is watched, including tabs a test opens itself with
    `page.context.new_page()` and popups. At teardown the contexts are closed first (so that
    whatever the pages logged until then has arrived), then any console error, page error or
    crash that `browser_log.allow()` does not cover fails the test, with the messages listed."""
    contexts = []

    def open_page():
        context = browser.new_context()
        contexts.append(context)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.on("page", browser_log.watch)
        page = context.new_page()
        browser_log.watch(page)  # no-op when the "page" event already did it
        return page

    yield open_page
    try:
        for context in contexts:
            context.close()
    finally:
        unexpected = browser_log.unexpected()
        if unexpected:
            pytest.fail(f"{len(unexpected)} unexpected JavaScript error(s) in the page(s) "
                        f"(expect one with browser_log.allow(regex) only if the test provokes "
                        f"it):\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def page(new_page):
    """The test's page: new_page(), so checked at teardown like every page of the test."""
    return new_page()


@pytest.fixture
def open_live(page):
    """open_live(url): load the page over HTTP, then wait until the client has joined."""

    def open_live(url: str, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        page.goto(url)
        page.wait_for_selector(CONNECTED, timeout=timeout_ms)
        return page

    return open_live
