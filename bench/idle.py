"""Many connected views in one server process: memory per view, join rate, one broadcast to all.

For each app (`--apps echo,fanout[,before]`) a fresh server process (`--server`, uvicorn by
default; DEBUG off) is started and `--views` views (20,000 by default) are joined by
`--workers` client processes, each from its own source address (127.0.0.2, .3, …: one address
has about 28,000 ephemeral ports). `--views-per-socket 2` joins two views on each websocket
(a page with a nested child), as the Phoenix client multiplexes a page's views: 20,000 views
in 10,000 sockets.

Joins are paced: at most `--in-flight` sockets opening or joining at once (and at most
`--join-rate` a second), so the bench offers what the server takes. Opened open loop, faster
than the server joins, sockets piled up in the server's listen queue until the kernel turned
connections away and clients saw them closed before the HTTP response (bench/README.md).

- `fanout`: the `/fanout/` view of `bench/fanout_app` (subscribed to one topic, renders one
  text value), or `/fanout-nested/` (the same with one subscribed child); every socket joins
  with the tokens of one page load (one session).
- `echo`: `bench/echo_app.py`, the raw ASGI websocket with the join answered: what the
  server itself costs per socket, for as many sockets. "beyond echo" is fanout's memory
  growth minus echo's per socket times the sockets, per view.
- `before`: `fanout` served from another checkout (`--before-repo`, e.g. the branch point;
  `--views-per-socket 1` unless that checkout has `/fanout-nested/`).

Printed per app: sockets and views joined, failed joins, the machine's listen-queue overflows
during the joins (must be 0), the server's RSS growth per socket (VmRSS with every socket
joined, after a settling pause, minus VmRSS before the first socket), the views joined per
second, the join latency p50/p99 (a socket's handshake and its joins), the server's CPU per
view, then (fanout only) `--rounds` broadcasts: one unsubscribed view's `fire` event
broadcasts a stamped message, and each client process records when each of its views got
the diff ("first"/"last view": the broadcast() call to that diff); CPU/diff is the server's
CPU over the round / views.

    .venv/bin/python bench/idle.py                                  # 19,700 views, uvicorn
    .venv/bin/python bench/idle.py --views 20000 --views-per-socket 2 --server daphne
    .venv/bin/python bench/idle.py --views 10000 --apps fanout --rounds 5
    .venv/bin/python bench/idle.py --apps echo,fanout,before --before-repo /tmp/lv-before
    .venv/bin/python bench/idle.py --views 2000 --apps fanout --rounds 0 --tracemalloc  # what holds

Sockets are file descriptors: the bench raises its soft fd limit (inherited by the server) to
the sockets plus 300, and with a hard limit below that measures as many views as fit.
Prints figures only; nothing here is a pass/fail test.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from socket_load import cpu_seconds, pct, rss_kb  # noqa: E402

from page import cookie_header, http_get  # noqa: E402
from liveview.testing import page_tokens  # noqa: E402
from tests.support.servers import ServerProcess, free_port, migrate_template_db, server_env  # noqa: E402,E501

_STAMP = re.compile(r'(\d+)@([0-9.]+)')
FANOUT_SETTINGS = "bench.fanout_app.settings"


# The client processes -------------------------------------------------------------------------
def _join_frames(page: dict | None, port: int, i: int) -> list[tuple[str, list]]:
    """The joins one socket sends in order, as (topic, frame): the page's view, then its child
    (the same session and page load as a browser's tab); the echo app gets one."""
    if page is None:  # echo: no page, no session
        return [(f"lv:e{i}", ["1", "1", f"lv:e{i}", "phx_join", {}])]
    params = {"_csrf_token": page["csrf"], "_mounts": 0}
    frames = [(f"lv:{page['id']}", ["1", "1", f"lv:{page['id']}", "phx_join", {
        "url": f"http://127.0.0.1:{port}{page['path']}", "sticky": False, "params": params,
        "session": page["session"], "static": page["static"]}])]
    for ref, (child_id, session) in enumerate(page["children"], 2):
        frames.append((f"lv:{child_id}", [str(ref), str(ref), f"lv:{child_id}", "phx_join", {
            "sticky": False, "params": params, "session": session, "static": None}]))
    return frames


async def _worker_main(index: int, port: int, page: dict | None, count: int, rate: float,
                       in_flight: int, conn: multiprocessing.connection.Connection) -> None:
    from websockets.asyncio.client import connect

    source = f"127.0.0.{2 + index}"
    joins: list[float] = []
    failures: list[str] = []
    arrivals: dict[int, list[float]] = {}
    sockets = []
    # At most `in_flight` handshakes and joins under way: the offered rate falls to what the
    # server takes, instead of piling connections into its listen queue (see bench/README.md).
    slots = asyncio.Semaphore(in_flight)

    async def read(ws) -> None:
        async for text in ws:
            if '"diff"' in text[:200]:
                now = time.time()
                match = _STAMP.search(text)
                if match:
                    arrivals.setdefault(int(match.group(1)), []).append(
                        now - float(match.group(2)))

    async def join(i: int) -> None:
        await asyncio.sleep(i / rate)
        if page is None:
            url, headers = f"ws://127.0.0.1:{port}/live/websocket", {}
        else:
            query = urlencode({"_csrf_token": page["csrf"], "vsn": "2.0.0"})
            url = f"ws://127.0.0.1:{port}/live/websocket?{query}"
            headers = {"Cookie": page["cookies"], "Origin": f"http://127.0.0.1:{port}"}
        async with slots:
            start = time.perf_counter()
            try:
                ws = await connect(url, additional_headers=headers, open_timeout=120,
                                   proxy=None, ping_interval=None, max_queue=None,
                                   compression=None, local_addr=(source, 0))
                for topic, frame in _join_frames(page, port, i):
                    await ws.send(json.dumps(frame))
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 120))
                    if reply[2] != topic or reply[3] != "phx_reply" \
                            or reply[4]["status"] != "ok":
                        raise RuntimeError(f"join of {topic} failed: {str(reply)[:300]}")
            except Exception as exc:  # counted and reported: the run goes on without it
                failures.append(f"{type(exc).__name__}: {exc}"[:300])
                return
            joins.append(time.perf_counter() - start)
        sockets.append(ws)
        asyncio.get_running_loop().create_task(read(ws))

    await asyncio.gather(*(join(i) for i in range(count)))
    loop = asyncio.get_running_loop()
    views = len(sockets) * (1 + len(page["children"]) if page else 1)
    conn.send(("joined", joins, failures))
    while True:  # commands from the main process: ("wait", n) or ("close",)
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "close":
            break
        n = command[1]
        while len(arrivals.get(n, ())) < views:
            await asyncio.sleep(0.005)
        conn.send(("arrived", arrivals[n]))
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    conn.send(("closed",))


def _worker(*args) -> None:
    try:
        import uvloop
        uvloop.run(_worker_main(*args))
    except ImportError:
        asyncio.run(_worker_main(*args))


# One app ------------------------------------------------------------------------------------
_CHILD = re.compile(r'<\w+ id="([^"]+)" data-phx-session="([^"]*)" data-phx-static="[^"]*"'
                    r' data-phx-parent-id=')


async def _page(port: int, path: str) -> dict:
    """One page load: the cookies and tokens every socket of the bench joins with, the
    children's (id, session token) included."""
    status, set_cookies, body = await http_get(port, path)
    tokens = page_tokens(body)
    if tokens is None:
        raise RuntimeError(f"GET {path} answered {status} without a LiveView container")
    return {"path": path, "id": tokens.view_id, "session": tokens.session,
            "static": tokens.static, "csrf": tokens.csrf_token,
            "cookies": cookie_header(set_cookies),
            "children": [(i, unescape(t)) for i, t in _CHILD.findall(body)]}


def listen_overflows() -> int:
    """The machine's count of connections its listen queues turned away (TcpExt
    ListenOverflows, all processes): it must not move while the bench joins."""
    with open("/proc/net/netstat") as f:
        head, values = [line.split() for line in f if line.startswith("TcpExt:")][:2]
    return int(values[head.index("ListenOverflows")])


async def _fire(port: int, page: dict, rounds: int, workers: list) -> list[dict]:
    """`rounds` broadcasts from an unsubscribed view; per round the arrivals of all views."""
    from websockets.asyncio.client import connect

    query = urlencode({"_csrf_token": page["csrf"], "vsn": "2.0.0"})
    ws = await connect(f"ws://127.0.0.1:{port}/live/websocket?{query}",
                       additional_headers={"Cookie": page["cookies"],
                                           "Origin": f"http://127.0.0.1:{port}"},
                       proxy=None, ping_interval=None, compression=None)
    topic = f"lv:{page['id']}"
    await ws.send(json.dumps(["1", "1", topic, "phx_join", {
        "url": f"http://127.0.0.1:{port}{page['path']}", "session": page["session"],
        "static": page["static"], "params": {"_csrf_token": page["csrf"], "_mounts": 0}}]))
    await ws.recv()
    loop = asyncio.get_running_loop()
    results = []
    for n in range(1, rounds + 1):
        for _, conn in workers:
            conn.send(("wait", n))
        cpu0 = cpu_seconds(_SERVER_PID[0])
        await ws.send(json.dumps(["1", str(n + 1), topic, "event",
                                  {"type": "click", "event": "fire", "value": {"n": n}}]))
        arrivals: list[float] = []
        for _, conn in workers:
            kind, values = await loop.run_in_executor(None, conn.recv)
            arrivals.extend(values)
        results.append({"cpu": cpu_seconds(_SERVER_PID[0]) - cpu0, "arrivals": arrivals})
        await asyncio.sleep(0.5)
    await ws.close()
    return results


_SERVER_PID = [0]

# Runs a server module with tracemalloc started at SIGUSR1 (before the first socket: what the
# process allocated before is left out) and a snapshot written at SIGUSR2 (every socket joined).
# argv: <snapshot file> -m <module> <module args...>
_TRACED_LAUNCHER = """
import gc, runpy, signal, sys, tracemalloc
out, module = sys.argv[1], sys.argv[3]
def dump(*_):
    gc.collect()
    tracemalloc.take_snapshot().dump(out)
    open(out + ".done", "w").close()
signal.signal(signal.SIGUSR1, lambda *_: tracemalloc.start(40))
signal.signal(signal.SIGUSR2, dump)
sys.argv = [module, *sys.argv[4:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""
_OURS = ("/liveview/", "/channels/", "/django/", "/bench/")


class TracedServer(ServerProcess):
    """A server whose allocations between SIGUSR1 and SIGUSR2 tracemalloc records."""

    def __init__(self, *args, snapshot: Path, **kwargs):
        super().__init__(*args, **kwargs)
        self.snapshot = snapshot

    def command(self) -> list[str]:
        python, *rest = super().command()
        return [python, "-c", _TRACED_LAUNCHER, str(self.snapshot), *rest]

    def take_snapshot(self) -> None:
        os.kill(self.proc.pid, signal.SIGUSR2)
        done = Path(f"{self.snapshot}.done")
        while not done.exists():
            time.sleep(0.2)


def print_allocations(snapshot: Path, sockets: int, top: int = 40) -> None:
    """What the joined sockets still hold, per socket, by the innermost frame of our code,
    Channels or Django ("server:" and the innermost frame when none is on the stack)."""
    import linecache
    import tracemalloc
    from collections import Counter

    sizes: Counter[str] = Counter()
    for stat in tracemalloc.Snapshot.load(str(snapshot)).statistics("traceback"):
        frames = list(stat.traceback)  # oldest call first
        ours = [f for f in frames if any(part in f.filename for part in _OURS)]
        frame = ours[-1] if ours else frames[-1]
        name = frame.filename.split("site-packages/")[-1].split(str(REPO_ROOT) + "/")[-1]
        line = linecache.getline(frame.filename, frame.lineno).strip()[:70]
        sizes[f"{'' if ours else 'server: '}{name}:{frame.lineno}  {line}"] += stat.size
    server = sum(size for key, size in sizes.items() if key.startswith("server: "))
    total = sum(sizes.values())
    print(f"\ntracemalloc, allocations still held with {sockets} sockets joined: "
          f"{total / 1024 / sockets:.2f} KiB per socket, of which the server's own "
          f"{server / 1024 / sockets:.2f} and ours (liveview, channels, django) "
          f"{(total - server) / 1024 / sockets:.2f}", file=sys.stderr)
    for key, size in sizes.most_common(top):
        print(f"{size / sockets:8.0f} B/socket  {key}", file=sys.stderr)


def run_app(app: str, args: argparse.Namespace, tmp: Path, template_db: Path) -> dict:
    db = tmp / f"{app}.sqlite3"
    shutil.copyfile(template_db, db)
    env = server_env(FANOUT_SETTINGS, DJANGO_DEBUG="0", DEMO_DB_PATH=db)
    options: dict = {}
    if app == "echo":
        options["app"] = "bench.echo_app:application"
    elif app == "before":
        options["cwd"] = args.before_repo
        env["PYTHONPATH"] = str(args.before_repo)
    logs = args.log_dir or tmp
    where = (args.server, free_port(), env, logs / f"{args.server}-{app}.log")
    server = (TracedServer(*where, snapshot=tmp / f"{app}.snapshot", **options)
              if args.tracemalloc else ServerProcess(*where, **options))
    server.start(60)
    _SERVER_PID[0] = server.proc.pid
    ctx = multiprocessing.get_context("spawn")
    workers = []
    try:
        path = "/fanout-nested/" if args.views_per_socket == 2 else "/fanout/"
        page = None if app == "echo" else asyncio.run(_page(server.port, path))
        if page is not None and len(page["children"]) != args.views_per_socket - 1:
            raise RuntimeError(f"{path} has {len(page['children'])} children")
        fire_page = None if app == "echo" else asyncio.run(_page(server.port, "/fanout/?fire=1"))
        time.sleep(1.0)
        if isinstance(server, TracedServer):
            os.kill(server.proc.pid, signal.SIGUSR1)
            time.sleep(0.5)
        rss0, cpu0 = rss_kb(server.proc.pid), cpu_seconds(server.proc.pid)
        overflows0 = listen_overflows()
        sockets = args.views // args.views_per_socket
        share = [sockets // args.workers + (i < sockets % args.workers)
                 for i in range(args.workers)]
        start = time.perf_counter()
        for i, count in enumerate(share):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(
                i, server.port, page, count, args.join_rate / args.workers,
                max(1, args.in_flight // args.workers), child))
            proc.start()
            workers.append((proc, parent))
        joins: list[float] = []
        failures: list[str] = []
        for _, conn in workers:
            kind, values, failed = conn.recv()
            joins.extend(values)
            failures.extend(failed)
        join_seconds = time.perf_counter() - start
        cpu_join = cpu_seconds(server.proc.pid) - cpu0
        overflows = listen_overflows() - overflows0
        time.sleep(args.settle)
        rss1 = rss_kb(server.proc.pid)
        if isinstance(server, TracedServer):
            server.take_snapshot()
            print(f"{args.server} {app}:", file=sys.stderr)
            print_allocations(server.snapshot, len(joins))
        joined = len(joins)
        views = joined * (1 if app == "echo" else args.views_per_socket)
        for failure in sorted(set(failures))[:5]:
            print(f"  failed join: {failure}", file=sys.stderr)
        result = {"app": app, "sockets": joined, "views": views, "failed": len(failures),
                  "overflows": overflows, "rss0": rss0, "rss1": rss1,
                  "rss_per_socket": (rss1 - rss0) / max(1, joined),
                  "join_rate": views / join_seconds,
                  "join_p50": pct(joins, 50), "join_p99": pct(joins, 99),
                  "cpu_per_view": cpu_join / max(1, views), "rounds": []}
        if fire_page is not None and args.rounds:
            result["rounds"] = asyncio.run(_fire(server.port, fire_page, args.rounds, workers))
        for _, conn in workers:
            conn.send(("close",))
        for proc, _ in workers:
            proc.join(120)
        return result
    except BaseException:
        print(server.log_tail(chars=3000), file=sys.stderr)
        raise
    finally:
        for proc, _ in workers:
            if proc.is_alive():
                proc.kill()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, default=20000)
    parser.add_argument("--apps", default="echo,fanout", help="echo, fanout, before")
    parser.add_argument("--server", default="uvicorn", help="daphne, uvicorn, ...")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--views-per-socket", type=int, default=1, choices=(1, 2),
                        help="2: a page of two views (/fanout-nested/: the view and one "
                             "child), both joined on the page's one websocket")
    parser.add_argument("--join-rate", type=float, default=1000,
                        help="sockets opened and joined per second at most, total")
    parser.add_argument("--in-flight", type=int, default=32,
                        help="sockets opening or joining at once at most, total")
    parser.add_argument("--rounds", type=int, default=3, help="broadcasts to all the views")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds between the last join and the RSS reading")
    parser.add_argument("--before-repo", type=Path)
    parser.add_argument("--log-dir", type=Path, help="keep the servers' logs there")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="record the server's allocations during the joins and print what "
                             "the sockets still hold, by our innermost frame (slow: the RSS, "
                             "rates and CPU printed are then tracemalloc's too)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # the server's own files, sockets, pipes and threads
    limit = args.views // args.views_per_socket + 300
    if limit > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        except (ValueError, OSError):  # not allowed here: as many views as the limit allows
            args.views = (hard - 300) * args.views_per_socket
            limit = hard
            print(f"the hard fd limit is {hard}: measuring {args.views} views", file=sys.stderr)
    elif soft < limit:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    tmp = Path(tempfile.mkdtemp(prefix="liveview-idle-"))
    load = os.getloadavg()[0]
    results = []
    try:
        template_db = migrate_template_db(tmp / "template.sqlite3")
        for app in args.apps.split(","):
            print(f"{args.server} {app}: {args.views} views ...", file=sys.stderr, flush=True)
            results.append(run_app(app, args, tmp, template_db))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    echo = next((r for r in results if r["app"] == "echo"), None)
    print(f"\n{args.views} views, {args.views_per_socket} per websocket, on one {args.server} "
          f"process; {args.workers} client processes, joins at {args.join_rate:.0f}/s at most "
          f"and {args.in_flight} at once at most, no compression; {os.cpu_count()} CPUs, load "
          f"average {load:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print(f"{'app':>8} {'sockets':>7} {'views':>6} {'failed':>6} {'overflows':>9} "
          f"{'RSS before':>10} {'RSS after':>9} {'per socket':>10} {'beyond echo/view':>16} "
          f"{'views/s':>8} {'join p50':>9} {'join p99':>9} {'cpu/view':>9}")
    for r in results:
        beyond = "-"
        if echo and r is not echo:  # the server's own cost of these sockets taken out
            extra = r["rss1"] - r["rss0"] - echo["rss_per_socket"] * r["sockets"]
            beyond = f"{extra / r['views']:.1f} KiB"
        print(f"{r['app']:>8} {r['sockets']:>7} {r['views']:>6} {r['failed']:>6} "
              f"{r['overflows']:>9} {r['rss0'] / 1024:>6.0f} MiB {r['rss1'] / 1024:>5.0f} MiB "
              f"{r['rss_per_socket']:>6.1f} KiB {beyond:>16} {r['join_rate']:>8.0f} "
              f"{1000 * r['join_p50']:>6.1f} ms {1000 * r['join_p99']:>6.1f} ms "
              f"{1000 * r['cpu_per_view']:>6.2f} ms")
    for r in results:
        for i, one in enumerate(r["rounds"], 1):
            arrivals = one["arrivals"]
            print(f"{r['app']:>8} broadcast {i}: {len(arrivals)} views, first "
                  f"{1000 * min(arrivals):.0f} ms, p50 {1000 * pct(arrivals, 50):.0f} ms, "
                  f"last view {1000 * max(arrivals):.0f} ms; server CPU/diff "
                  f"{1e6 * one['cpu'] / len(arrivals):.0f} µs")


if __name__ == "__main__":
    main()
