"""A copy of this checkout's source, as a user's `git clone` has it: tracked (and new, not
ignored) files only, so no .venv, node_modules or built client bundle unless asked for."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.servers import REPO_ROOT

BUNDLE = Path("liveview", "static", "liveview", "liveview.js")
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    "db.sqlite3", "media", "staticfiles", ".pytest_cache", ".hypothesis", "liveview.js",
    "liveview.js.map")


def source_files() -> list[Path]:
    """The checkout's source files, relative to it."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO_ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [Path(name) for name in listed.decode().split("\0") if name]


def copy_checkout(dest: Path, *, with_bundle: bool = False) -> Path:
    """Copy the source into `dest` (created); with the built bundle if `with_bundle`."""
    files = source_files()
    if files:
        for relative in files:
            source = REPO_ROOT / relative
            if source.is_file():
                (dest / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / relative)
    else:  # not a git checkout: everything but what git would ignore
        shutil.copytree(REPO_ROOT, dest, ignore=_NOT_SOURCE, dirs_exist_ok=True)
    if with_bundle:
        (dest / BUNDLE).parent.mkdir(parents=True, exist_ok=True)
        for name in (BUNDLE, BUNDLE.with_suffix(".js.map")):
            shutil.copy2(REPO_ROOT / name, dest / name)
    return dest
