"""A new user's path, exactly as README.md tells it.

A brand new `django-admin startproject` in a temporary directory gets the README's install and
tutorial steps, read from README.md itself (its fenced blocks and the files they name, see
steps.py): the shell commands run, the file blocks are written. Then `python manage.py
runserver` serves the counter, which Chromium drives.

The package is installed from a copy of this checkout (its tracked files plus the built bundle;
tests/install/test_build_hook.py covers a clone without it) into a throwaway virtualenv: `pip
install --no-deps`, a real PEP 517 build of the wheel. Its dependencies come from the project's
.venv through a .pth file, since installing Django, channels, daphne and Twisted afresh takes
half a minute more. (A venv made `--system-site-packages` from .venv's python would not see
.venv's packages: it is based on the interpreter .venv was made from.)

The same project, copied and broken in one way each, shows what each mistake says.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"


def test_the_package_comes_from_the_install_not_the_checkout(readme_project):
    result = subprocess.run([readme_project.python, "-c",
                             "import liveview; print(liveview.__file__)"],
                            cwd=readme_project.directory, env=readme_project.env,
                            capture_output=True, text=True)
    assert result.stdout.startswith(str(readme_project.venv)), result.stdout + result.stderr


def test_check_finds_nothing_to_say(readme_project):
    result = readme_project.manage("check")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout


def test_the_counter_works_in_a_browser(readme_project, page, browser_log):
    server = readme_project.serve()
    assert "Starting ASGI/Daphne" in server.log_text(), server.log_text()
    status, _, body = server.get("/counter/?c=5")
    assert status == 200, body[:3000]
    assert "<p>Count: 5</p>" in body.decode()
    assert "<!--" not in body.decode(), "an HTML comment reached the browser"

    page.goto(server.url + "/counter/")
    expect(page.locator("p")).to_have_text("Count: 0")
    page.wait_for_selector(CONNECTED)
    expect(page).to_have_title("Counter")
    page.get_by_role("button", name="+").click()
    page.get_by_role("button", name="+").click()
    expect(page.locator("p")).to_have_text("Count: 2")
    page.get_by_role("button", name="-").click()
    expect(page.locator("p")).to_have_text("Count: 1")

    page.goto(server.url + "/counter/?c=5")
    page.wait_for_selector(CONNECTED)
    expect(page.locator("p")).to_have_text("Count: 5")
    page.get_by_role("button", name="+").click()
    expect(page.locator("p")).to_have_text("Count: 6")  # the live mount saw c=5 too
    expect(page).to_have_title("Counter")
    expect(page.get_by_role("status")).to_be_hidden()
    assert not browser_log.unexpected(), browser_log.dump()


# Mistakes, each in a copy of the project -----------------------------------------------------

def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_without_daphne_check_warns_that_runserver_serves_no_websockets(project_copy):
    project = project_copy()
    edit(project.directory / "mysite" / "settings.py", '["daphne", *INSTALLED_APPS',
         "[*INSTALLED_APPS")
    result = project.manage("check")
    assert "?: (liveview.W004) `manage.py runserver` is Django's WSGI server (\"daphne\" is not " \
           "in INSTALLED_APPS): it serves no websockets, so LiveView pages render but never " \
           "connect" in result.stderr, result.stdout + result.stderr


def test_unchanged_asgi_py_is_an_error(project_copy):
    project = project_copy()
    edit(project.directory / "mysite" / "asgi.py",
         "application = liveview_application(django_application)",
         "application = django_application")
    result = project.manage("check")
    assert result.returncode == 1
    assert "?: (liveview.E006) ASGI_APPLICATION 'mysite.asgi.application' is Django's " \
           "get_asgi_application(), which serves HTTP only: LiveView pages render but never " \
           "connect" in result.stderr, result.stderr


def test_a_setting_of_the_wrong_type_is_an_error(project_copy):
    project = project_copy()
    with (project.directory / "mysite" / "settings.py").open("a") as settings:
        settings.write('\nLIVEVIEW = {"HANDLER_TIMEOUT": "25"}\n')
    result = project.manage("check")
    assert result.returncode == 1
    assert "?: (liveview.E004) LIVEVIEW['HANDLER_TIMEOUT'] must be a positive number of " \
           "seconds (int or float), got '25' (str)" in result.stderr, result.stderr


def test_without_the_liveview_app_the_page_names_the_fix(project_copy):
    project = project_copy()
    edit(project.directory / "mysite" / "settings.py", '"liveview", "myapp"]', '"myapp"]')
    server = project.serve()
    status, _, body = server.get("/counter/")
    assert status == 500
    assert "ImproperlyConfigured" in body.decode()
    assert "&quot;liveview&quot; is not in INSTALLED_APPS" in body.decode(), body[:3000]


def test_daphne_run_directly_with_debug_serves_the_client(readme_project, page, browser_log):
    """`daphne mysite.asgi:application` in development: the bundle loads, the page connects."""
    server = readme_project.serve("daphne")
    status, headers, body = server.get("/static/liveview/liveview.js")
    assert status == 200 and b"phx-connected" in body
    page.goto(server.url + "/counter/")
    page.wait_for_selector(CONNECTED)
    page.get_by_role("button", name="+").click()
    expect(page.locator("p")).to_have_text("Count: 1")
    assert not browser_log.unexpected(), browser_log.dump()
