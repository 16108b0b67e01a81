"""The README's project: a fresh `django-admin startproject` set up by README.md's own install
and tutorial steps (see test_readme_project.py for what is installed how)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path

from tests.install.steps import apply_file_step, run_shell_step, steps, venv_env
from tests.support.checkout import copy_checkout
from tests.support.servers import REPO_ROOT, RUNNING, RUNSERVER, ServerProcess, free_port

README = REPO_ROOT / "README.md"
SECTIONS = ["Install in your project", "Tutorial: a counter"]
INSTALL = "pip install /path/to/checkout"
RUN = "python manage.py runserver"


@dataclass
class Project:
    """The README's project, set up; `directory` holds manage.py."""

    directory: Path
    venv: Path
    env: dict
    servers: list[ServerProcess]

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.python, "manage.py", *args], cwd=self.directory,
                              env=self.env, capture_output=True, text=True, timeout=120)

    def copy(self, destination: Path) -> "Project":
        """The same project in another directory (and no server), to change freely."""
        shutil.copytree(self.directory, destination)
        return Project(destination, self.venv, self.env, [])

    def stop_servers(self) -> None:
        for server in self.servers:
            server.stop()
            if server in RUNNING:
                RUNNING.remove(server)
        self.servers.clear()

    def serve(self, kind: str = RUNSERVER, log_dir: Path | None = None) -> ServerProcess:
        port = free_port()
        server = ServerProcess(kind, port, self.env, (log_dir or self.directory.parent)
                               / f"{kind}-{port}.log", app="mysite.asgi:application",
                               cwd=self.directory, python=self.python,
                               name=f"{kind} of {self.directory.name}:{port}")
        self.servers.append(server)
        RUNNING.append(server)
        return server.start(timeout=60)


def throwaway_venv(path: Path) -> Path:
    """A virtualenv whose dependencies are the project .venv's (see the module docstring)."""
    venv.create(path, with_pip=True, symlinks=True)
    site_packages = Path(sysconfig.get_path("purelib"))  # this interpreter's, the .venv's
    [own] = (path / "lib").glob("python3*/site-packages")
    (own / "liveview-test-dependencies.pth").write_text(f"{site_packages}\n")
    return path


def build_readme_project(root: Path) -> Project:
    """Follow README.md in `root`: install, startproject, the tutorial's files, migrate."""
    checkout = copy_checkout(root / "checkout", with_bundle=True)
    environment = throwaway_venv(root / "venv")
    env = venv_env(environment, extra_path=[Path(sys.executable).parent])  # django-admin
    all_steps = steps(README.read_text(), SECTIONS)
    commands = [c for step in all_steps if step.is_shell for c in step.commands()]
    assert INSTALL in commands and RUN in commands, commands
    replace = {INSTALL: f'pip install -q --no-deps "{checkout}"', RUN: ""}
    directory = root / "work"
    directory.mkdir()
    for step in all_steps:
        if step.is_shell:
            directory = run_shell_step(step, directory, env, replace)
        else:
            apply_file_step(step, directory)
    assert (directory / "manage.py").is_file(), f"no manage.py in {directory}"
    return Project(directory, environment, env, [])
