"""Fixtures for the new-user tests: the browser ones of tests/browser (Chromium at
/usr/bin/chromium, pages whose JavaScript errors are recorded) and the server log hooks."""
from tests.browser.conftest import browser, browser_log, new_page, page  # noqa: F401
from tests.support.pytest_servers import *  # noqa: F401,F403
