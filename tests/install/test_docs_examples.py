"""The docs' copyable examples, in the README's project.

Every block of docs/testing.md, realtime.md, forms-and-auth.md and uploads.md whose first line
names a file and what to do with it (see steps.py) is written into a copy of the README's
project, the views are routed as the pages say, and then: `manage.py check` is silent, the
modules import, testing.md's pytest run passes (its counter test and realtime.md's chat test),
and Chromium uses the chat, the sign-up form and the avatar upload.

Every Python block of README.md and docs/ is also read for names it uses but never defines.
"""
from __future__ import annotations

import ast
import builtins
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.install.steps import FENCE, apply_file_step, file_steps, run_shell_step, shell_steps
from tests.support.servers import REPO_ROOT

pytestmark = pytest.mark.browser

DOCS = REPO_ROOT / "docs"
PAGES = ["testing.md", "realtime.md", "forms-and-auth.md", "uploads.md"]
# What the pages tell the reader to add to myapp/urls.py, and the import it needs.
ROUTES = {
    'path("chat/", ChatLiveView.as_view())': "from .chat import ChatLiveView",
    'path("register/", RegisterLiveView.as_view())': "from .register import RegisterLiveView",
    'path("avatar/", AvatarView.as_view())': "from .avatar import AvatarView",
}
PYTEST_INSTALL = "pip install pytest pytest-django pytest-asyncio"
CONNECTED = "[data-phx-main].phx-connected"
# A 1x1 PNG, for the avatar upload.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6e1b2"
                    "0000000049454e44ae426082")


@pytest.fixture(scope="module")
def docs_project(readme_project, tmp_path_factory):
    project = readme_project.copy(tmp_path_factory.mktemp("docs") / "mysite")
    written = []
    for page in PAGES:
        for step in file_steps((DOCS / page).read_text()):
            written.append(apply_file_step(step, project.directory))
    text = "".join((DOCS / page).read_text() for page in PAGES)
    urls = project.directory / "myapp" / "urls.py"
    for route, import_line in ROUTES.items():
        assert route in text, f"the docs no longer say {route}"
        urls.write_text(f"{import_line}\n{urls.read_text()}urlpatterns.append({route})\n")
    project.written = [path.relative_to(project.directory) for path in written]
    yield project
    project.stop_servers()


def test_the_pages_name_their_files(docs_project):
    assert {str(path) for path in docs_project.written} >= {
        "pytest.ini", "myapp/tests.py", "myapp/chat.py", "myapp/templates/myapp/chat.html",
        "myapp/clock.py", "myapp/test_chat.py", "myapp/register.py",
        "myapp/templates/myapp/register.html", "myapp/avatar.py",
        "myapp/templates/myapp/avatar.html", "mysite/settings.py", "mysite/urls.py"}


def test_check_is_silent_and_everything_loads(docs_project):
    result = docs_project.manage("check")
    assert "System check identified no issues (0 silenced)." in result.stdout, \
        result.stdout + result.stderr
    modules = [str(p.with_suffix("")).replace("/", ".") for p in docs_project.written
               if p.suffix == ".py" and p.parts[0] == "myapp" and not p.name.startswith("test")]
    templates = [str(Path(*p.parts[2:])) for p in docs_project.written if p.suffix == ".html"]
    code = ("import importlib, django; django.setup()\n"
            "from django.template.loader import get_template\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            f"for t in {templates!r}: get_template(t)\n")
    result = subprocess.run([docs_project.python, "-c", code], cwd=docs_project.directory,
                            env={**docs_project.env, "DJANGO_SETTINGS_MODULE": "mysite.settings"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_testing_page_runs_its_tests(docs_project):
    """testing.md's commands: the counter test, and realtime.md's chat test beside it."""
    [step] = shell_steps((DOCS / "testing.md").read_text())
    assert step.commands() == [PYTEST_INSTALL, "pytest"]
    out = docs_project.directory / "pytest.out"
    run_shell_step(step, docs_project.directory, docs_project.env, {
        PYTEST_INSTALL: 'python -c "import pytest_django, pytest_asyncio"',  # in the venv
        "pytest": f'python -m pytest -q -p no:cacheprovider > "{out}" 2>&1 || '
                  f'(cat "{out}"; exit 1)'})
    assert re.search(r"^2 passed", out.read_text(), re.MULTILINE), out.read_text()


def test_chat_sign_up_and_avatar_in_a_browser(docs_project, new_page, browser_log):
    server = docs_project.serve()

    alice, bob = new_page(), new_page()
    for page in (alice, bob):
        page.goto(server.url + "/chat/")
        page.wait_for_selector(CONNECTED)
    alice.get_by_label("Your name").fill("Alice")
    alice.get_by_label("Message").fill("hello")
    alice.get_by_role("button", name="Send").click()
    for page in (alice, bob):
        expect(page.locator("#messages li")).to_have_text(["Alice: hello"])

    page = new_page()
    page.goto(server.url + "/register/")
    page.wait_for_selector(CONNECTED)
    page.get_by_label("Username").fill("ada")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-passphrase-42")
    page.get_by_label("Password confirmation").fill("something else")
    page.get_by_label("Password confirmation").blur()
    expect(page.get_by_text("The two password fields didn’t match.")).to_be_visible()
    page.get_by_label("Password confirmation").fill("a-long-passphrase-42")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Welcome, ada!")).to_be_visible()

    picture = docs_project.directory.parent / "me.png"
    picture.write_bytes(PNG)
    page.goto(server.url + "/avatar/")
    page.wait_for_selector(CONNECTED)
    page.locator("input[type=file]").set_input_files(picture)
    expect(page.get_by_text("me.png")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved as avatars/me.png.")).to_be_visible()
    assert (docs_project.directory / "media" / "avatars" / "me.png").read_bytes() == PNG
    assert not browser_log.unexpected(), browser_log.dump()


# Names every snippet uses -----------------------------------------------------------------------

# Method bodies shown on their own use the handler's parameters.
HANDLER_PARAMETERS = {"self", "socket", "session", "payload", "event", "entry", "upload"}
# What startproject's settings.py defines, for blocks added to it.
SETTINGS_NAMES = {"BASE_DIR", "INSTALLED_APPS", "MIDDLEWARE", "STATIC_URL"}
# What startproject's urls.py defines, for blocks added to it.
URLS_NAMES = {"urlpatterns", "path", "admin"}


def undefined_names(source: str) -> set[str]:
    """Names read in `source` that it neither assigns, imports, defines nor takes as a
    parameter anywhere, and that are not builtins."""
    tree = ast.parse(textwrap.dedent(source))
    bound = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    used = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return used - bound


def python_blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in [REPO_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = path.read_text()
        for block in FENCE.finditer(text):
            if block["language"] == "python":
                line = text.count("\n", 0, block.start()) + 1
                found.append((f"{path.relative_to(REPO_ROOT)}:{line}", line, block["text"]))
    return found


@pytest.mark.parametrize("where, line, source", python_blocks(), ids=lambda v: str(v)[:40])
def test_every_python_snippet_defines_the_names_it_uses(where, line, source):
    known = set(HANDLER_PARAMETERS)
    first = source.lstrip().splitlines()[0]
    if "settings.py" in first:
        known |= SETTINGS_NAMES
    if re.match(r"#\s*\S*/urls\.py \(add at the end\)", first):
        known |= URLS_NAMES
    try:
        missing = undefined_names(source) - known
    except SyntaxError as error:
        pytest.fail(f"{where}: not valid Python: {error}")
    assert not missing, f"{where} uses names it does not define or import: {sorted(missing)}"
