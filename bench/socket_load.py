"""Socket load benchmark (issue 3): N counter views clicking at a fixed aggregate rate.

For each server (daphne, uvicorn; one process each, DEBUG off, a fresh migrated sqlite
file) and each number of clients N, a new server process is started and:

1. every client GETs /counter/ (cookies, CSRF meta token, session/static tokens);
2. clients open /live/websocket (with the cookies and an Origin) and join `lv:<id>` at a
   fixed arrival rate;
3. clicks on `increment` go out at a fixed aggregate rate, round-robin over the clients,
   open loop (a slow reply never delays the next click, so queueing shows in the tail).

Server CPU comes from /proc/<pid>/stat (utime+stime, all threads); server memory per view
is the VmRSS growth from "N pages loaded, no websocket" to "N views joined", divided by N.
The load generator is one asyncio process (uvloop when installed); its own CPU is printed
so you can tell whether it was the bottleneck. Every reply is checked: a view whose count
differs from its number of clicks is an error.

    .venv/bin/python bench/socket_load.py                      # daphne+uvicorn x 1,100,500
    .venv/bin/python bench/socket_load.py --servers uvicorn --clients 500 --duration 5
    .venv/bin/python bench/socket_load.py --clients 100 --profile /tmp/prof   # + cProfile
    # the floor, the branch point and pyview side by side (bench/README.md):
    .venv/bin/python bench/socket_load.py --servers uvicorn,daphne --clients 200 \
        --apps echo,liveview,before,pyview --before-repo /tmp/lv-before \
        --pyview-python /tmp/pyview-venv/bin/python --no-compression

Apps (`--apps`): `liveview` (this checkout's demo counter), `echo` (bench/echo_app.py: the
raw ASGI websocket floor, a reply of the same size without any framework), `before` (the
demo counter of another checkout, `--before-repo`, e.g. the branch point, on this
virtualenv), `pyview` (bench/pyview_apps/: the same counter on pyview, run by
`--pyview-python`, a separate virtualenv with pyview-web and the servers).

    .venv/bin/python bench/socket_load.py --page /counter-table/ --tracking on,off

`--page` picks another page of `bench/tracking_app` (a counter beside a 1000-row table:
`/counter-table/`, the same with one row renamed per click: `/table-row/`; `/counter/` is
the demo's); `--tracking on,off` runs every case with change tracking on, then off.

Prints figures only; nothing here is a pass/fail test (targets are in bench/README.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The pages of bench/tracking_app (a counter beside a 1000-row table; one row renamed per click).
TRACKING_PAGES = ("/counter-table/", "/table-row/", "/counter-by-hand/")
sys.path.insert(0, str(REPO_ROOT))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from liveview.testing import PageTokens, page_tokens  # noqa: E402
from page import cookie_header, http_get  # noqa: E402
from tests.support.servers import (  # noqa: E402
    DEFAULT_APP,
    DEFAULT_SETTINGS,
    ServerProcess,
    free_port,
    migrate_template_db,
    server_env,
)

_CLICK = json.dumps({"type": "click", "event": "increment", "value": {"value": ""}})
_TICK = os.sysconf("SC_CLK_TCK")

# Runs a server module under cProfile, recording only between SIGUSR1 and SIGUSR2 (the click
# phase) on the event loop's thread. argv: <stats file> -m <module> <module args...>
_PROFILED_LAUNCHER = """
import cProfile, runpy, signal, sys, time
out, module = sys.argv[1], sys.argv[3]
prof = cProfile.Profile(time.thread_time)  # CPU time: waiting for a CPU is not a cost
signal.signal(signal.SIGUSR1, lambda *_: prof.enable())
signal.signal(signal.SIGUSR2, lambda *_: (prof.disable(), prof.dump_stats(out)))
sys.argv = [module, *sys.argv[4:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


class ProfiledServer(ServerProcess):
    """A server whose click phase is recorded by cProfile into `stats_path`."""

    def __init__(self, *args, stats_path: Path, **kwargs):
        super().__init__(*args, **kwargs)
        self.stats_path = stats_path

    def command(self) -> list[str]:
        python, *rest = super().command()
        return [python, "-c", _PROFILED_LAUNCHER, str(self.stats_path), *rest]


# Measurements -----------------------------------------------------------------------------
def process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants: granian serves from a worker process it spawns."""
    pids, i = [pid], 0
    while i < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[i]}/task"):
                with open(f"/proc/{pids[i]}/task/{task}/children") as f:
                    pids.extend(int(c) for c in f.read().split())
        except FileNotFoundError:
            pass
        i += 1
    return pids


def pin(pid: int, cpu: int) -> None:
    """Run every thread of `pid` and its descendants on `cpu` only (threads made later
    inherit it from the thread that makes them)."""
    for one in process_tree(pid):
        try:
            for task in os.listdir(f"/proc/{one}/task"):
                os.sched_setaffinity(int(task), {cpu})
        except (FileNotFoundError, ProcessLookupError):
            continue


def cpu_times(pid: int) -> tuple[float, float]:
    """(utime, stime) of every thread of `pid` and its descendants, in seconds (resolution
    1/SC_CLK_TCK)."""
    user = system = 0.0
    for one in process_tree(pid):
        try:
            with open(f"/proc/{one}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user += int(fields[11]) / _TICK  # fields 14 and 15 of proc(5)
        system += int(fields[12]) / _TICK
    return user, system


def cpu_seconds(pid: int) -> float:
    """utime+stime of every thread of `pid`, in seconds."""
    return sum(cpu_times(pid))


def run_queue_wait(pid: int) -> float:
    """Seconds the threads of `pid` spent runnable but waiting for a CPU (schedstat field 2):
    what other processes on the machine took from it."""
    total = 0
    for one in process_tree(pid):
        try:
            tasks = os.listdir(f"/proc/{one}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{one}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[1])
            except FileNotFoundError:  # a thread that just ended
                pass
    return total / 1e9


def rss_kb(pid: int) -> int:
    """VmRSS of `pid` and its descendants in KiB."""
    total = 0
    for one in process_tree(pid):
        try:
            with open(f"/proc/{one}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (FileNotFoundError, StopIteration):
            pass
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def _other_page_tokens(html: str) -> PageTokens | None:
    """The container's tokens of a page whose attributes come in another order (pyview)."""
    container = re.search(r'<div[^>]*data-phx-main[^>]*>', html)
    csrf = re.search(r'<meta name="csrf-token" content="([^"]*)"', html)
    if container is None or csrf is None:
        return None
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', container.group(0)))
    return PageTokens(attrs.get("id", ""), unescape(attrs.get("data-phx-session", "")),
                      unescape(attrs.get("data-phx-static", "")), csrf.group(1))


# One simulated browser tab -------------------------------------------------------------------
@dataclass
class Client:
    """One browser tab: the page's tokens, its websocket, its clicks in flight."""

    port: int
    path: str | None = "/counter/"  # None: the echo app, which has no page
    cookies: str = ""
    csrf: str = ""
    view_id: str = ""
    session: str = ""
    static: str = ""
    ws: ClientConnection | None = None
    join_ref: str = ""
    ref: int = 0
    clicks: int = 0
    last_count: int | None = None
    pending: dict[str, float] = field(default_factory=dict)

    async def load_page(self) -> None:
        if self.path is None:  # the echo app: no page, any topic
            self.view_id = f"echo-{id(self)}"
            return
        status, set_cookies, body = await http_get(self.port, self.path)
        tokens = page_tokens(body) or _other_page_tokens(body)
        if status != 200 or tokens is None:
            raise RuntimeError(f"GET {self.path} answered {status} without a LiveView container "
                               f"or csrf meta tag: {body[:300]!r}")
        self.cookies = cookie_header(set_cookies)
        self.csrf = tokens.csrf_token
        self.view_id = tokens.view_id
        self.session = tokens.session
        self.static = tokens.static

    def next_ref(self) -> str:
        self.ref += 1
        return str(self.ref)

    async def join(self, compression: str | None) -> float:
        """Open the websocket and join; returns the join's seconds."""
        origin = f"http://127.0.0.1:{self.port}"
        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/live/websocket?_csrf_token={self.csrf}&vsn=2.0.0",
            origin=origin, additional_headers={"Cookie": self.cookies}, compression=compression,
            proxy=None, ping_interval=None, max_queue=None, open_timeout=30)
        self.join_ref = self.next_ref()
        payload = {"url": f"{origin}{self.path or '/'}", "session": self.session,
                   "static": self.static,
                   "params": {"_csrf_token": self.csrf, "_mounts": 0, "_mount_attempts": 0},
                   "sticky": False}
        start = time.perf_counter()
        await self.ws.send(json.dumps([self.join_ref, self.join_ref, f"lv:{self.view_id}",
                                       "phx_join", payload]))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame[1] == self.join_ref and frame[3] == "phx_reply":
                break
        if frame[4]["status"] != "ok":
            raise RuntimeError(f"join of lv:{self.view_id} refused: {frame[4]}")
        return time.perf_counter() - start

    async def click(self) -> None:
        ref = self.next_ref()
        self.clicks += 1
        self.pending[ref] = time.perf_counter()
        await self.ws.send(f'["{self.join_ref}","{ref}","lv:{self.view_id}","event",{_CLICK}]')

    async def read_replies(self, rtts: list[float], errors: list[str]) -> None:
        """Record each click's round trip (and the count it shows) until the socket closes."""
        async for text in self.ws:
            now = time.perf_counter()
            frame = json.loads(text)
            sent = self.pending.pop(frame[1], None)
            if sent is None:
                continue
            rtts.append(now - sent)
            reply = frame[4]
            if reply["status"] != "ok":
                errors.append(f"lv:{self.view_id}: {reply}")
                continue
            count = _count_in(reply["response"].get("diff", {}))
            if count is not None:
                self.last_count = count


def _count_in(diff: dict) -> int | None:
    """The number a counter's diff shows (pyview nests its dynamics one level deeper)."""
    for value in diff.values():
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        if isinstance(value, dict):
            found = _count_in(value)
            if found is not None:
                return found
    return None


# One run: a fresh server, N clients ---------------------------------------------------------
@dataclass
class Result:
    server: str
    app: str
    n: int
    deflate: bool
    joins: list[float]
    cpu_per_join_ms: float
    rss_per_view_kb: float
    idle_cpu_ms_per_s: float
    rtts: list[float]
    events_per_s: float
    cpu_per_click_ms: float
    sys_share: float
    server_waited_ms_per_s: float
    client_cpu_pct: float
    errors: list[str]


async def connect_all(server: ServerProcess, clients: list[Client], args: argparse.Namespace
                      ) -> dict:
    """Load every page, then join every view at `args.join_rate`; memory and CPU around it."""
    pid = server.proc.pid
    compression = None if args.no_compression else "deflate"
    semaphore = asyncio.Semaphore(20)

    async def load(client: Client) -> None:
        async with semaphore:
            await client.load_page()

    async def arrive(i: int, client: Client) -> float:
        await asyncio.sleep(i / args.join_rate)
        return await client.join(compression)

    await asyncio.gather(*(load(c) for c in clients))
    await asyncio.sleep(0.5)
    rss_before, cpu_before = rss_kb(pid), cpu_seconds(pid)
    joins = await asyncio.gather(*(arrive(i, c) for i, c in enumerate(clients)))
    cpu_join = cpu_seconds(pid) - cpu_before
    await asyncio.sleep(0.5)
    n = len(clients)
    extensions = clients[0].ws.response.headers.get("Sec-WebSocket-Extensions") or ""
    return dict(joins=list(joins), cpu_per_join_ms=1000 * cpu_join / n,
                rss_per_view_kb=(rss_kb(pid) - rss_before) / n,
                deflate="permessage-deflate" in extensions)


async def click_phase(server: ServerProcess, clients: list[Client], args: argparse.Namespace
                      ) -> dict:
    """Idle CPU for a second, then `args.rate` clicks/s for `args.duration` seconds."""
    pid, n = server.proc.pid, len(clients)
    rtts: list[float] = []
    errors: list[str] = []
    readers = [asyncio.create_task(c.read_replies(rtts, errors)) for c in clients]
    cpu_before = cpu_seconds(pid)
    await asyncio.sleep(1.0)
    idle_cpu = cpu_seconds(pid) - cpu_before

    total = int(args.rate * args.duration)
    if isinstance(server, ProfiledServer):
        os.kill(pid, signal.SIGUSR1)
    (user0, sys0), own0, wait0 = cpu_times(pid), own_cpu(), run_queue_wait(pid)
    start = time.perf_counter()
    for k in range(total):
        delay = start + k / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await clients[k % n].click()
    deadline = time.perf_counter() + 10
    while any(c.pending for c in clients) and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - start
    (user1, sys1), own = cpu_times(pid), own_cpu() - own0
    waited = run_queue_wait(pid) - wait0
    if isinstance(server, ProfiledServer):
        os.kill(pid, signal.SIGUSR2)

    missing = sum(len(c.pending) for c in clients)
    if missing:
        errors.append(f"{missing} clicks got no reply within 10 s")
    wrong = [c for c in clients if c.clicks and c.last_count != c.clicks]
    if wrong and not missing:
        errors.append(f"{len(wrong)} views show a count other than their clicks "
                      f"(e.g. {wrong[0].last_count} after {wrong[0].clicks})")
    await asyncio.gather(*(c.ws.close() for c in clients))
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    cpu = user1 - user0 + sys1 - sys0
    return dict(idle_cpu_ms_per_s=1000 * idle_cpu, rtts=rtts, events_per_s=len(rtts) / elapsed,
                cpu_per_click_ms=1000 * cpu / total,
                sys_share=(sys1 - sys0) / cpu if cpu else float("nan"),
                server_waited_ms_per_s=1000 * waited / elapsed,
                client_cpu_pct=100 * own / elapsed, errors=errors)


async def run_load(server: ServerProcess, app: str, n: int, args: argparse.Namespace) -> Result:
    path = None if app == "echo" else args.page
    # Warm up first: templates compiled and every code path imported before measuring.
    warm = Client(server.port, path)
    await warm.load_page()
    await warm.join(None if args.no_compression else "deflate")
    for _ in range(20):
        await warm.click()
        await warm.ws.recv()
    await warm.ws.close()

    clients = [Client(server.port, path) for _ in range(n)]
    connected = await connect_all(server, clients, args)
    clicked = await click_phase(server, clients, args)
    return Result(server=server.kind, app=app, n=n, **connected, **clicked)


def app_server(kind: str, app: str, n: int, args: argparse.Namespace, tmp: Path,
               template_db: Path, tracking: str | None = None) -> ServerProcess:
    """The (not yet started) `kind` server process running `app` (see --apps)."""
    db = tmp / f"{kind}-{app}-{n}.sqlite3"
    shutil.copyfile(template_db, db)
    settings = args.settings
    if settings == DEFAULT_SETTINGS and (args.page in TRACKING_PAGES or tracking is not None):
        settings = "bench.tracking_app.settings"  # serves /counter/ too
    env = server_env(settings, DJANGO_DEBUG="0", DEMO_DB_PATH=db,
                     LIVEVIEW_BENCH_TRACKING="0" if tracking == "off" else "1")
    options: dict = {}
    if app == "echo":
        options["app"] = "bench.echo_app:application"
    elif app == "pyview":
        if not args.pyview_python:
            raise SystemExit("--apps pyview needs --pyview-python")
        options.update(app="bench.pyview_apps.counter:app", python=args.pyview_python)
    elif app == "before":
        if not args.before_repo:
            raise SystemExit("--apps before needs --before-repo")
        options["cwd"] = args.before_repo
        env["PYTHONPATH"] = str(args.before_repo)
    elif app != "liveview":
        raise SystemExit(f"unknown app {app!r}")
    options.setdefault("app", DEFAULT_APP)
    where = (kind, free_port(), env, tmp / f"{kind}-{app}-{n}.log")
    stats = args.profile / f"{kind}-{app}-{n}.prof" if args.profile else None
    if stats:
        return ProfiledServer(*where, stats_path=stats, **options)
    return ServerProcess(*where, **options)


def run_case(kind: str, app: str, n: int, args: argparse.Namespace, tmp: Path,
             template_db: Path, tracking: str | None = None) -> Result:
    """Start a fresh `kind` server running `app`, load it with `n` clients, stop it."""
    server = app_server(kind, app, n, args, tmp, template_db, tracking)
    stats = getattr(server, "stats_path", None)
    server.start()
    if args.pin:  # the server on one core, this load generator on the other
        assert server.proc is not None
        pin(server.proc.pid, 0)
        pin(os.getpid(), 1)
    try:
        result = asyncio_run(run_load(server, app, n, args))
    except BaseException:
        print(server.log_tail(chars=3000), file=sys.stderr)
        raise
    finally:
        server.stop()
    if stats:
        print_profile(stats, int(args.rate * args.duration))
    if tracking is not None:
        result.server = f"{kind} tracking {tracking}"
    return result


def asyncio_run(coro):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# Report ------------------------------------------------------------------------------------
def print_profile(path: Path, clicks: int) -> None:
    """The click phase's hottest functions, by own time and by cumulative time."""
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    stats = pstats.Stats(str(path), stream=sys.stderr)
    print(f"\n--- {path}: {clicks} clicks; CPU seconds, inflated by the profiler ---",
          file=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


_COLUMNS = (  # (header, unit)
    ("server", ""), ("app", ""), ("N", ""), ("deflate", ""), ("join p50", "ms"), ("join p99", "ms"),
    ("cpu/join", "ms"), ("rss/view", "KiB"), ("idle cpu", "ms/s"), ("rtt p50", "ms"),
    ("rtt p99", "ms"), ("events/s", ""), ("cpu/click", "ms"), ("of it sys", "%"),
    ("cpu wait", "ms/s"), ("client cpu", "% core"), ("errors", ""),
)


def row(r: Result, page: str | None = None) -> tuple[str, ...]:
    app = r.app if page is None or r.app == "echo" else f"{r.app} {page}"
    return (r.server, app, str(r.n), "yes" if r.deflate else "no",
            f"{1000 * pct(r.joins, 50):.1f}", f"{1000 * pct(r.joins, 99):.1f}",
            f"{r.cpu_per_join_ms:.2f}", f"{r.rss_per_view_kb:.1f}",
            f"{r.idle_cpu_ms_per_s:.0f}", f"{1000 * pct(r.rtts, 50):.2f}",
            f"{1000 * pct(r.rtts, 99):.2f}", f"{r.events_per_s:.0f}",
            f"{r.cpu_per_click_ms:.3f}", f"{100 * r.sys_share:.0f}",
            f"{r.server_waited_ms_per_s:.0f}", f"{r.client_cpu_pct:.0f}", str(len(r.errors)))


def print_table(rows: list[tuple[str, ...]]) -> None:
    table = [tuple(h for h, _ in _COLUMNS), tuple(u for _, u in _COLUMNS), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(_COLUMNS))]
    for r in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(r, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="daphne,uvicorn",
                        help="comma-separated: daphne, uvicorn, granian, hypercorn")
    parser.add_argument("--apps", default="liveview",
                        help="comma-separated: liveview, echo, before, pyview (see above)")
    parser.add_argument("--before-repo", type=Path,
                        help="another checkout (its built static files too) for --apps before")
    parser.add_argument("--pyview-python", help="python of a virtualenv with pyview-web")
    parser.add_argument("--page", default="/counter/",
                        help="the page the liveview and before apps join and click "
                             "(`increment`); /table1000/ with --settings "
                             "bench.streams_app.settings: one row of a 1000-row table; "
                             "comma-separated pages run one after the other in each round")
    parser.add_argument("--pin", action="store_true",
                        help="pin the server to CPU 0 and this load generator to CPU 1 "
                             "(steadier figures on a two-core machine)")
    parser.add_argument("--settings", default="demo_project.settings")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the whole matrix this many times, alternating (noise check)")
    parser.add_argument("--tracking", default=None, metavar="on,off",
                        help="run each case with change tracking on and/or off "
                             "(LIVEVIEW['CHANGE_TRACKING'])")
    parser.add_argument("--clients", default="1,100,500", help="comma-separated values of N")
    parser.add_argument("--rate", type=float, default=200, help="aggregate clicks per second")
    parser.add_argument("--duration", type=float, default=8, help="seconds of clicking")
    parser.add_argument("--join-rate", type=float, default=100,
                        help="websocket joins per second while connecting the N clients")
    parser.add_argument("--no-compression", action="store_true",
                        help="do not offer permessage-deflate (browsers offer it; uvicorn "
                             "accepts it, daphne does not)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run each server under cProfile for the click phase, write "
                             "DIR/<server>-<N>.prof and print its top functions (CPU figures "
                             "are then inflated by the profiler)")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="liveview-socket-load-"))
    load_before = os.getloadavg()[0]
    try:
        template_db = migrate_template_db(tmp / "template.sqlite3")
        rows = []
        # (round, server, N, app as shown, CPU per click): for the ratios to the echo floor.
        per_click: list[tuple[int, str, int, str, float]] = []
        modes = args.tracking.split(",") if args.tracking else [None]
        pages = args.page.split(",")
        for round_index in range(args.repeat):
            for page in pages:
                case = argparse.Namespace(**{**vars(args), "page": page})
                for kind in args.servers.split(","):
                    for n in (int(v) for v in args.clients.split(",")):
                        for app in args.apps.split(","):
                            if app == "echo" and page != pages[0]:
                                continue  # the floor has no pages: once per round
                            for tracking in modes:
                                print(f"{kind} {app} {page} N={n} tracking={tracking} ...",
                                      file=sys.stderr, flush=True)
                                result = run_case(kind, app, n, case, tmp, template_db,
                                                  tracking)
                                for error in result.errors[:5]:
                                    print(f"  error: {error}", file=sys.stderr)
                                rows.append(row(result, page if len(pages) > 1 else None))
                                per_click.append((round_index, kind, n, rows[-1][1],
                                                  result.cpu_per_click_ms))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{args.page}: {args.rate:.0f} clicks/s aggregate for {args.duration:.0f} s, joins at "
          f"{args.join_rate:.0f}/s, permessage-deflate "
          f"{'not offered' if args.no_compression else 'offered'}; {os.cpu_count()} CPUs"
          f"{' (server pinned to CPU 0, clients to CPU 1)' if args.pin else ''}, "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print_table(rows)
    print_ratios(per_click)


def print_ratios(per_click: list[tuple[int, str, int, str, float]]) -> None:
    """Each app's CPU per click over the echo floor of the same server, N and round (the
    issue's target is a ratio measured in one run), and the median over the rounds."""
    floors = {(r, kind, n): cpu for r, kind, n, app, cpu in per_click if app == "echo"}
    ratios: dict[tuple[str, int, str], list[float]] = {}
    for r, kind, n, app, cpu in per_click:
        floor = floors.get((r, kind, n))
        if app != "echo" and floor:
            ratios.setdefault((kind, n, app), []).append(cpu / floor)
    if not ratios:
        return
    print("\ncpu/click over the echo floor of the same server, N and round:")
    for (kind, n, app), values in ratios.items():
        print(f"  {kind} N={n} {app}: {' '.join(f'{v:.2f}' for v in values)}"
              f"  median {statistics.median(values):.2f}")


if __name__ == "__main__":
    main()
