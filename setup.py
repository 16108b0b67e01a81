"""Build hook: wheels and sdists always ship the client bundle.

The bundle (liveview/static/liveview/liveview.js) is built from assets/ by npm and is not in
git. Without it, a package builds fine and installs fine, yet no page ever connects. So when it
is missing, `pip install <checkout>`, `pip wheel .` and sdist builds run `npm ci` (unless
node_modules/ exists) and `npm run build` first, or stop with the command to run.
It also builds four optional C extensions: `liveview.core._tracking`, the C half of change
tracking (see liveview/core/tracking.py), `liveview.core._diff`, the diff's walk over a node
(see liveview/core/diff.py), `liveview.core._frames`, the checks every client frame passes
(see liveview/core/protocol.py), and `liveview.runtime._stepping`, one step of a coroutine
(see liveview/runtime/stepping.py). All are `optional=True`: without a compiler the install
goes on and their pure-Python paths run instead, with the same results.
Everything else is declared in setup.cfg.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.errors import ExecError, FileError

ROOT = Path(__file__).resolve().parent
BUNDLE = Path("liveview", "static", "liveview", "liveview.js")
BUILD_COMMAND = "npm ci && npm run build"


def ensure_bundle() -> None:
    """Build the client bundle if it is missing; raise with the command to run if we cannot."""
    if (ROOT / BUNDLE).is_file():
        return
    npm = shutil.which("npm")
    if npm is None or not (ROOT / "package.json").is_file():
        raise FileError(
            f"the LiveView client bundle {BUNDLE} is missing and cannot be built here "
            f"({'npm was not found on PATH' if npm is None else 'package.json is missing'}). "
            f"Install Node 20 and npm, run `{BUILD_COMMAND}` in {ROOT} (or `make setup`), "
            f"then build or install again.")
    steps = [] if (ROOT / "node_modules").is_dir() else [[npm, "ci", "--no-audit", "--no-fund"]]
    for step in steps + [[npm, "run", "build"]]:
        print(f"building the LiveView client bundle: {' '.join(step[1:])}", flush=True)
        if subprocess.run(step, cwd=ROOT).returncode != 0:
            raise ExecError(f"`npm {' '.join(step[1:])}` failed (see its output above); fix it, "
                            f"run `{BUILD_COMMAND}` in {ROOT}, then build or install again.")
    if not (ROOT / BUNDLE).is_file():
        raise ExecError(f"`npm run build` did not write {BUNDLE}")


class BuildPyWithBundle(build_py):
    """build_py (wheels, `pip install`) that makes sure the bundle exists first."""

    def run(self) -> None:
        # Editable installs read the checkout itself, where `make setup` builds the bundle
        # and the system check liveview.W002 reports it missing.
        if not getattr(self, "editable_mode", False):
            ensure_bundle()
            # package_data globs were expanded before the bundle existed: expand them again.
            self.__dict__.pop("data_files", None)
        super().run()


class SdistWithBundle(sdist):
    """sdist that ships the bundle, so wheels built from it need no Node."""

    def run(self) -> None:
        ensure_bundle()
        super().run()


TRACKING = Extension("liveview.core._tracking", ["liveview/core/_tracking.c"], optional=True)
DIFF = Extension("liveview.core._diff", ["liveview/core/_diff.c"], optional=True)
FRAMES = Extension("liveview.core._frames", ["liveview/core/_frames.c"], optional=True)
STEPPING = Extension("liveview.runtime._stepping", ["liveview/runtime/_stepping.c"],
                     optional=True)

setup(cmdclass={"build_py": BuildPyWithBundle, "sdist": SdistWithBundle},
      ext_modules=[TRACKING, DIFF, FRAMES, STEPPING])
