"""Pytest fixtures and hooks around `servers`: import them into a conftest with

    from tests.support.pytest_servers import *  # noqa: F401,F403

Fixtures:
  server_template_db  session: one migrated sqlite file that every server gets a copy of
  server_pool         package: a ServerFactory for servers shared by the tests of the package
                      (of the conftest that imports it); they stop when the package is done
  server_factory      function: a ServerFactory whose servers stop when the test ends

Hooks: when a test fails, the report gets a section per server with the log lines written
since the test started (stdout and stderr of the process), and any section a fixture added
with `add_report_section(item, title, text_or_callable)`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.support.servers import REPO_ROOT, RUNNING, ServerFactory, migrate_template_db

__all__ = [
    "server_template_db", "server_pool", "server_factory", "add_report_section",
    "require_js_bundle",
    "pytest_runtest_setup", "pytest_runtest_makereport",
]

JS_BUNDLE = REPO_ROOT / "liveview" / "static" / "liveview" / "liveview.js"

_LOG_OFFSETS = pytest.StashKey[dict]()
_EXTRA_SECTIONS = pytest.StashKey[list]()
_REPORTED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def server_template_db(tmp_path_factory) -> Path:
    return migrate_template_db(tmp_path_factory.mktemp("server-db") / "template.sqlite3")


@pytest.fixture(scope="package")
def server_pool(tmp_path_factory, server_template_db):
    factory = ServerFactory(tmp_path_factory.mktemp("servers"), server_template_db)
    yield factory
    factory.stop_all()


@pytest.fixture
def server_factory(tmp_path, server_template_db):
    factory = ServerFactory(tmp_path, server_template_db)
    yield factory
    factory.stop_all()


def require_js_bundle() -> Path:
    """Fail (never skip) when the client bundle has not been built."""
    if not JS_BUNDLE.is_file():
        pytest.fail(f"{JS_BUNDLE.relative_to(REPO_ROOT)} is missing: build the client bundle "
                    f"with `make setup` (or `npm ci && npm run build`)", pytrace=False)
    return JS_BUNDLE


def add_report_section(item: pytest.Item, title: str, text: str | Callable[[], str]) -> None:
    """Show `text` (or what the callable returns then) in the report if `item` fails."""
    item.stash.setdefault(_EXTRA_SECTIONS, []).append((title, text))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Servers started later (by this test's fixtures) have no offset and show from byte 0.
    item.stash[_LOG_OFFSETS] = {id(s): s.log_size() for s in RUNNING}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and not item.stash.get(_REPORTED, False):
        item.stash[_REPORTED] = True
        offsets = item.stash.get(_LOG_OFFSETS, {})
        for server in list(RUNNING):
            since = offsets.get(id(server), 0)
            if server.log_size() > since:
                report.sections.append((f"server {server.name}", server.log_tail(since)))
        for title, text in item.stash.get(_EXTRA_SECTIONS, []):
            report.sections.append((title, text() if callable(text) else text))
    return report
