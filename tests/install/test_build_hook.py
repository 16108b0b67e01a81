"""Packaging a checkout whose client bundle was never built (a fresh `git clone`).

setup.py's build hook runs `npm ci` / `npm run build` when the bundle is missing, so the wheel
and the sdist ship it; without npm the build stops with the command to run instead of producing
a package whose pages never connect."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support.checkout import BUNDLE, copy_checkout
from tests.support.pytest_servers import require_js_bundle

WHEEL_BUNDLE = BUNDLE.as_posix()


def run(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def pip_wheel(source: Path, out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                str(source)], cwd=out.parent, env=env)


def without_npm() -> dict:
    """The environment with a PATH on which there is no npm (only this Python's scripts)."""
    return {**os.environ, "PATH": str(Path(sys.executable).parent)}


def shipped_bundle(names: list[str], read) -> bytes:
    [name] = [n for n in names if n.endswith(WHEEL_BUNDLE)]
    return read(name)


@pytest.fixture
def clone(tmp_path) -> Path:
    source = copy_checkout(tmp_path / "checkout")
    assert not (source / BUNDLE).exists()
    return source


def test_wheel_of_a_fresh_clone_builds_and_ships_the_bundle(clone, tmp_path):
    require_js_bundle()  # node and npm are there (make setup built the repo's bundle)
    result = pip_wheel(clone, tmp_path / "dist")
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = (tmp_path / "dist").glob("django_liveview-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        bundle = shipped_bundle(archive.namelist(), archive.read)
        assert "liveview/templates/liveview/layout.html" in archive.namelist()
    assert len(bundle) > 50_000 and b"phx-connected" in bundle


def test_without_npm_the_build_stops_with_the_command_to_run(clone, tmp_path):
    result = pip_wheel(clone, tmp_path / "dist", env=without_npm())
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert ("the LiveView client bundle liveview/static/liveview/liveview.js is missing and "
            "cannot be built here (npm was not found on PATH). Install Node 20 and npm, run "
            "`npm ci && npm run build`") in output, output
    assert not list((tmp_path / "dist").glob("*.whl"))


def test_sdist_of_a_fresh_clone_ships_the_bundle_and_builds_without_node(clone, tmp_path):
    require_js_bundle()
    # Only `npm run build` then: this test is about the sdist, the wheel test runs `npm ci`.
    (clone / "node_modules").symlink_to(Path(__file__).resolve().parents[2] / "node_modules")
    result = run([sys.executable, "-c", "import setuptools.build_meta as b; "
                  "print(b.build_sdist('sdist'))"], cwd=clone)
    assert result.returncode == 0, result.stdout + result.stderr
    sdist = clone / "sdist" / result.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        assert shipped_bundle(names, lambda n: archive.extractfile(n).read())
        assert any(n.endswith("/assets/liveview.js") for n in names)
        assert any(n.endswith("/LICENSE") for n in names)
    # A wheel from that sdist, on a machine without npm: the shipped bundle is used.
    result = pip_wheel(sdist, tmp_path / "dist", env=without_npm())
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = (tmp_path / "dist").glob("django_liveview-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert b"phx-connected" in shipped_bundle(archive.namelist(), archive.read)
