"""Real server processes for browser and multi-process tests.

A `ServerProcess` is one daphne or uvicorn process serving an ASGI app on 127.0.0.1, with
its own sqlite file and one log file (stdout and stderr together) that survives restarts.
`ServerFactory` starts several and stops them all; `migrate_template_db` and
`collect_static` prepare what a server reads at startup.

Nothing here imports Django: the processes configure themselves from their environment,
exactly as a deployment does (`DJANGO_SETTINGS_MODULE`, `DJANGO_DEBUG`, `DEMO_DB_PATH`,
`LIVEVIEW_REDIS_URL`).
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_APP = "demo_project.asgi:application"
DEFAULT_SETTINGS = "demo_project.settings"
# Settings that only move STATIC_ROOT to $LIVEVIEW_TEST_STATIC_ROOT (see production_settings.py).
PRODUCTION_SETTINGS = "tests.support.production_settings"
SERVER_KINDS = ("daphne", "uvicorn")
# Also supported (docs/deployment.md), started by the benches and their own test; not a
# parameter of every server test. granian serves from a worker process it spawns.
MORE_SERVER_KINDS = ("granian", "hypercorn")
# `manage.py runserver` of a project of its own (daphne's, with Django's autoreloader): for the
# new-user tests, which run a project exactly as its README says.
RUNSERVER = "runserver"

# Variables that change what a server does; a test states them explicitly or gets the defaults,
# never whatever the developer's shell happened to export.
_CONTROLLED_ENV = ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DEMO_DB_PATH", "LIVEVIEW_REDIS_URL",
                   "LIVEVIEW_REDIS_PREFIX", "LIVEVIEW_REDIS_LAYER", "LIVEVIEW_TEST_STATIC_ROOT",
                   "DEMO_MEDIA_ROOT", "LIVEVIEW_UPLOAD_TEMP_DIR", "LIVEVIEW_PRESENCE_HEARTBEAT")

LOG_TAIL_CHARS = 12_000
_PORT_ATTEMPTS = 3
_ADDRESS_IN_USE = re.compile(r"address already in use|Errno 98", re.IGNORECASE)


class ServerError(RuntimeError):
    """A server process failed to start, died, or a setup command failed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(settings: str = DEFAULT_SETTINGS, **extra: str | os.PathLike | None) -> dict:
    """The environment for a server or manage.py: the caller's, minus the controlled variables,
    plus `settings`, the repo on PYTHONPATH, and `extra` (a value of None removes the variable)."""
    env = {k: v for k, v in os.environ.items() if k not in _CONTROLLED_ENV}
    env["DJANGO_SETTINGS_MODULE"] = settings
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def run_manage(args: list[str], env: dict, timeout: float = 120) -> str:
    """Run `manage.py <args>` in the repo; raise ServerError with its output if it fails."""
    cmd = [sys.executable, str(REPO_ROOT / "manage.py"), *args]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise ServerError(
            f"`manage.py {' '.join(args)}` exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc.stdout


def migrate_template_db(path: Path) -> Path:
    """Create a migrated sqlite file at `path`; servers get copies of it (one migrate per run)."""
    run_manage(["migrate", "--noinput", "--skip-checks", "-v", "0"], server_env(DEMO_DB_PATH=path))
    return path


def collect_static(static_root: Path) -> Path:
    """`collectstatic --noinput` into `static_root`, as a deployment does before starting."""
    run_manage(["collectstatic", "--noinput", "-v", "0"],
               server_env(PRODUCTION_SETTINGS, LIVEVIEW_TEST_STATIC_ROOT=static_root,
                          DJANGO_DEBUG="0"))
    return static_root


class ServerProcess:
    """One daphne or uvicorn process (or a project's `manage.py runserver`) on
    127.0.0.1:`port`; restartable on the same port.

    `cwd` and `python` default to this repo and the interpreter running the tests; a project of
    its own passes its directory and its virtualenv's python."""

    def __init__(self, kind: str, port: int, env: dict, log_path: Path, *,
                 app: str = DEFAULT_APP, ready_path: str = "/", name: str | None = None,
                 cwd: Path = REPO_ROOT, python: str = sys.executable):
        if kind not in (*SERVER_KINDS, *MORE_SERVER_KINDS, RUNSERVER):
            raise ValueError(f"server kind must be one of {SERVER_KINDS + MORE_SERVER_KINDS} or "
                             f"{RUNSERVER!r}, "
                             f"got {kind!r}")
        self.kind = kind
        self.cwd = Path(cwd)
        self.python = python
        self.port = port
        self.env = env
        self.log_path = Path(log_path)
        self.app = app
        self.ready_path = ready_path
        self.name = name or f"{kind}:{port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. http://127.0.0.1:54321."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The command line; `python -m` so the server runs in the interpreter running the tests."""
        if self.kind == RUNSERVER:
            return [self.python, "manage.py", "runserver", f"127.0.0.1:{self.port}"]
        if self.kind == "daphne":
            return [self.python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                    self.app]
        if self.kind == "granian":
            return [self.python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                    "--port", str(self.port), self.app]
        if self.kind == "hypercorn":
            return [self.python, "-m", "hypercorn", "--bind", f"127.0.0.1:{self.port}",
                    self.app]
        return [self.python, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(self.port),
                "--no-server-header", self.app]

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        """Start the process and wait until it answers HTTP; raise ServerError (with its log)
        if it exits or stays silent."""
        if self.running:
            raise ServerError(f"{self.name} is already running (pid {self.proc.pid})")
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(self.command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command(), cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Poll until an HTTP request to `ready_path` gets any response."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with code {self.proc.returncode} before answering "
                    f"HTTP\n{self.log_tail()}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.ready_path)
                conn.getresponse().read()
                conn.close()
                return
            except OSError as exc:  # refused while binding, reset while booting
                last_error = exc
                time.sleep(0.1)
        self.stop()
        raise ServerError(
            f"{self.name} did not answer GET {self.ready_path} within {timeout:.0f}s "
            f"(last error: {last_error!r})\n{self.log_tail()}"
        )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            # runserver's autoreloader serves from a child process: signal the whole session
            # this process leads (it was started with start_new_session), child included.
            signal_server = (partial(os.killpg, self.proc.pid) if self.kind == RUNSERVER
                             else self.proc.send_signal)
            signal_server(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                signal_server(signal.SIGKILL)
                self.proc.wait(timeout)
        return self.proc.returncode

    def restart(self, timeout: float = 30.0, down_for: float = 0.0) -> "ServerProcess":
        """Stop, optionally stay down `down_for` seconds, start again on the same port."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        return self.start(timeout)

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_text(self, since: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, since: int = 0, chars: int = LOG_TAIL_CHARS) -> str:
        """The log from byte `since`, cut to its last `chars` characters, with a header."""
        text = self.log_text(since)
        cut = f"[... {len(text) - chars} characters cut ...]\n" if len(text) > chars else ""
        return f"--- {self.name} log ({self.log_path}) ---\n{cut}{text[-chars:]}"

    def get(self, path: str, headers: dict | None = None, timeout: float = 10.0):
        """Plain HTTP GET (no browser, no JS): returns (status, headers dict lowercased, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
        finally:
            conn.close()

    def __repr__(self) -> str:
        state = f"pid {self.proc.pid}" if self.running else "stopped"
        return f"<ServerProcess {self.name} {self.url} {state}>"


# Every server started and not yet stopped by a factory, so a failing test can show their logs.
RUNNING: list[ServerProcess] = []


class ServerFactory:
    """Starts servers, each with its own port, sqlite copy and log, and stops them all."""

    def __init__(self, tmp_dir: Path, template_db: Path):
        self.tmp_dir = Path(tmp_dir)
        self.template_db = Path(template_db)
        self.servers: list[ServerProcess] = []
        self._count = 0

    def __call__(self, kind: str = "daphne", *, settings: str = DEFAULT_SETTINGS,
                 debug: bool = True, db_path: Path | None = None, app: str = DEFAULT_APP,
                 ready_path: str = "/", timeout: float = 30.0, start: bool = True,
                 **env: str | os.PathLike | None) -> ServerProcess:
        """Start a `kind` server. `db_path` lets several servers share one database (default: a
        fresh copy of the migrated template); extra keyword arguments become env variables."""
        self._count += 1
        n = self._count
        if db_path is None:
            db_path = self.tmp_dir / f"db-{n}.sqlite3"
            shutil.copyfile(self.template_db, db_path)
        full_env = server_env(settings, DJANGO_DEBUG="1" if debug else "0", DEMO_DB_PATH=db_path,
                              **env)
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = free_port()
            server = ServerProcess(kind, port, full_env, self.tmp_dir / f"{kind}-{n}-{port}.log",
                                   app=app, ready_path=ready_path, name=f"{kind}#{n}:{port}")
            if not start:
                break
            try:
                server.start(timeout)
                break
            except BaseException as exc:
                server.stop()
                # Another process may take the free port before the server binds it: retry.
                if not (isinstance(exc, ServerError) and attempt < _PORT_ATTEMPTS
                        and _ADDRESS_IN_USE.search(str(exc))):
                    raise
        self.servers.append(server)
        RUNNING.append(server)
        return server

    def stop_all(self) -> None:
        for server in reversed(self.servers):
            server.stop()
            if server in RUNNING:
                RUNNING.remove(server)
        self.servers.clear()
