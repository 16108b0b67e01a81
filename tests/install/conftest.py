"""Fixtures for the new-user tests.

  readme_project  package: the project README.md's install and tutorial steps make of a fresh
                  `django-admin startproject` (see project.py)
  project_copy    function: project_copy() copies it to a directory of the test, to change
                  freely; servers started on copies stop when the test ends
plus the browser fixtures of tests/browser (Chromium at /usr/bin/chromium, pages whose
JavaScript errors are recorded) and the server log hooks of tests/support/pytest_servers.py.
"""
import pytest

from tests.browser.conftest import browser, browser_log, new_page, page  # noqa: F401
from tests.install.project import Project, build_readme_project
from tests.support.pytest_servers import *  # noqa: F401,F403
from tests.support.pytest_servers import require_js_bundle


@pytest.fixture(scope="package")
def readme_project(tmp_path_factory) -> Project:
    require_js_bundle()
    project = build_readme_project(tmp_path_factory.mktemp("new-user"))
    yield project
    project.stop_servers()


@pytest.fixture
def project_copy(readme_project, tmp_path):
    copies: list[Project] = []

    def copy() -> Project:
        made = readme_project.copy(tmp_path / f"copy{len(copies)}" / "mysite")
        copies.append(made)
        return made

    yield copy
    for made in copies:
        made.stop_servers()
