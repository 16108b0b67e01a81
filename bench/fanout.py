"""Pub/sub fan-out benchmark (issue 4): one broadcast delivered to N subscribed views.

Scenarios (each starts its own server processes, DEBUG off; --servers daphne,uvicorn):
  memory   one server process, InMemoryChannelLayer
  redis    two server processes on RedisChannelLayer (127.0.0.1:6379, a unique key prefix);
           the views are split evenly between them, the broadcast starts on the first
  pubsub   as `redis`, on RedisPubSubChannelLayer (only with --scenarios ...,pubsub)
  before   as `memory`, served from another checkout (--before-repo, e.g. the branch point)
  pyview   the same view on pyview (bench/pyview_apps/fanout.py), one process, run by
           --pyview-python (a separate virtualenv with pyview-web and the servers)

For N in --sizes, N real websocket clients (the `websockets` package, one asyncio process)
join `/fanout/`, a view subscribed to one topic that renders one text value (a heavier
template adds its own render time per view). A separate, unsubscribed view receives a
`fire` event and calls `socket.broadcast(topic, {"n": n, "t": time.time()})`; every view's
handle_info renders the stamp and the client computes `arrival - t`. Rounds are sequential:
the next broadcast goes out once every client has the previous one.

Printed per scenario and N: p50/p99/max delivery latency (broadcast call to diff received by
the client), the p50 and max of "last client updated" per round, and server CPU time (all
server processes, /proc/<pid>/stat) per delivered diff, minus the servers' idle CPU measured
for a second before. /proc counts in 10 ms ticks, so CPU per diff is only meaningful with many
diffs (N = 100 and up). The load generator's own CPU is printed too: with 1000 clients it
competes with the server for the same cores.

    .venv/bin/python bench/fanout.py
    .venv/bin/python bench/fanout.py --sizes 1000 --rounds 30 --scenarios memory

Prints figures only; nothing here is a pass/fail test. Redis down fails the redis scenarios.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from liveview.testing import page_tokens  # noqa: E402
from page import cookie_header, http_get  # noqa: E402
from socket_load import _other_page_tokens  # noqa: E402
from tests.support.servers import (  # noqa: E402
    ServerFactory,
    ServerProcess,
    free_port,
    migrate_template_db,
    server_env,
)

SETTINGS = "bench.fanout_app.settings"
REDIS_URL = "redis://127.0.0.1:6379/0"
_STAMP = re.compile(r'(\d+)@([0-9.]+)')
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def load_page(port: int, path: str) -> dict:
    """GET the page with a raw HTTP/1.1 request; the tokens and cookie needed to join."""
    status, set_cookies, body = await http_get(port, path)
    tokens = page_tokens(body) or _other_page_tokens(body)
    if tokens is None:
        raise RuntimeError(f"GET {path} on :{port} answered {status} with no LiveView "
                           f"container\n{body[:2000]}")
    return {"port": port, "path": path, "id": tokens.view_id, "session": tokens.session,
            "static": tokens.static, "csrf": tokens.csrf_token,
            "cookies": cookie_header(set_cookies)}


class Round:
    """Counts the clients that got broadcast `n`; one event for all of them (cheap to wait)."""

    def __init__(self, expected: int):
        self.expected = expected
        self.n = -1
        self.count = 0
        self.done = asyncio.Event()

    def start(self, n: int) -> None:
        self.n, self.count = n, 0
        self.done.clear()

    def arrived(self, n: int) -> None:
        if n == self.n:
            self.count += 1
            if self.count == self.expected:
                self.done.set()


class Client:
    """One websocket, one joined view; records arrival latencies of stamped diffs."""

    def __init__(self, page: dict, round: Round | None = None):
        self.page = page
        self.round = round
        self.topic = f"lv:{page['id']}"
        self.ws = None
        self.samples: dict[int, float] = {}
        self.frame_chars = 0  # of the stamped diffs received
        self._reader: asyncio.Task | None = None

    async def join(self) -> None:
        page = self.page
        origin = f"http://127.0.0.1:{page['port']}"
        query = urlencode({"_csrf_token": page["csrf"], "vsn": "2.0.0"})
        self.ws = await connect(f"ws://127.0.0.1:{page['port']}/live/websocket?{query}",
                                additional_headers={"Cookie": page["cookies"], "Origin": origin},
                                open_timeout=60, ping_interval=None, max_queue=None)
        await self.ws.send(json.dumps([
            "1", "1", self.topic, "phx_join",
            {"url": origin + page["path"], "params": {"_csrf_token": page["csrf"], "_mounts": 0},
             "session": page["session"], "static": page["static"], "sticky": False}]))
        reply = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
        if reply[3] != "phx_reply" or reply[4]["status"] != "ok":
            raise RuntimeError(f"join failed: {reply}")
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for text in self.ws:
            now = time.time()
            if self.round is None or '"diff"' not in text[:200]:
                continue
            match = _STAMP.search(text)
            if match:
                n = int(match.group(1))
                self.samples[n] = now - float(match.group(2))
                self.frame_chars += len(text)
                self.round.arrived(n)

    async def fire(self, n: int) -> None:
        await self.ws.send(json.dumps(["1", str(n + 10), self.topic, "event",
                                       {"type": "click", "event": "fire", "value": {"n": n}}]))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()


async def run_size(servers, n_views: int, rounds: int, own_pages: bool = False) -> dict:
    """`own_pages`: a page load per client (pyview keeps one view per view id)."""
    pages = [await load_page(s.port, "/fanout/")
             for s in (servers * n_views if own_pages else servers)][:n_views]
    fire_page = await load_page(servers[0].port, "/fanout/?fire=1")
    round = Round(n_views)
    clients = [Client(pages[i % len(pages)], round) for i in range(n_views)]
    gate = asyncio.Semaphore(50)

    async def join(client: Client) -> None:
        async with gate:
            await client.join()

    await asyncio.gather(*(join(c) for c in clients))
    firer = Client(fire_page)
    await firer.join()
    await asyncio.sleep(0.5)  # joins settle (subscriptions done, loop idle)

    async def broadcast(n: int) -> None:
        round.start(n)
        await firer.fire(n)
        await asyncio.wait_for(round.done.wait(), 60)

    await broadcast(0)  # warm-up, not measured
    # The servers' idle CPU (timers, Redis polling) is measured and subtracted.
    idle0, idle_t0 = sum(cpu_seconds(s.proc.pid) for s in servers), time.monotonic()
    await asyncio.sleep(1.0)
    idle_rate = (sum(cpu_seconds(s.proc.pid) for s in servers) - idle0) / (
        time.monotonic() - idle_t0)
    cpu0, t0 = sum(cpu_seconds(s.proc.pid) for s in servers), time.monotonic()
    own0 = own_cpu()
    last_updated: list[float] = []
    first_updated: list[float] = []
    for n in range(1, rounds + 1):
        await broadcast(n)
        last_updated.append(max(c.samples[n] for c in clients))
        first_updated.append(min(c.samples[n] for c in clients))
        await asyncio.sleep(0.02)
    cpu = sum(cpu_seconds(s.proc.pid) for s in servers) - cpu0
    cpu = max(0.0, cpu - idle_rate * (time.monotonic() - t0))
    own = own_cpu() - own0
    latencies = [c.samples[n] for c in clients for n in range(1, rounds + 1)]
    frames = sum(len(c.samples) for c in clients)
    deflate = any("deflate" in type(ext).__name__.lower()
                  for ext in getattr(clients[0].ws.protocol, "extensions", ()))
    await asyncio.gather(*(c.close() for c in clients), firer.close())
    await asyncio.sleep(0.5)  # the servers tear the views down
    return {"views": n_views, "rounds": rounds, "p50": pct(latencies, 50),
            "p99": pct(latencies, 99), "max": max(latencies),
            "first_p50": statistics.median(first_updated),
            "all_p50": statistics.median(last_updated), "all_max": max(last_updated),
            "cpu_per_diff": cpu / (rounds * n_views), "client_cpu": own / rounds,
            "frame": sum(c.frame_chars for c in clients) / frames, "deflate": deflate}


def start_servers(factory: ServerFactory, kind: str, count: int, env: dict) -> list:
    servers = [factory(kind, settings=SETTINGS, debug=False, start=False, **env)
               for _ in range(count)]
    with ThreadPoolExecutor(count) as pool:
        for future in [pool.submit(s.start, 60) for s in servers]:
            future.result()
    return servers


def check_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        sys.exit(f"Redis is not reachable at {REDIS_URL}: {exc}")


def clear_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


SCENARIOS = {
    "memory": (1, {}, "1 {server}, in-memory layer"),
    "redis": (2, {"LIVEVIEW_REDIS_LAYER": "core"}, "2 {server}, RedisChannelLayer"),
    "pubsub": (2, {"LIVEVIEW_REDIS_LAYER": "pubsub"}, "2 {server}, RedisPubSubChannelLayer"),
    "before": (1, {}, "1 {server}, in-memory, --before-repo"),
    "pyview": (1, {}, "1 {server}, pyview"),
}


def start_other(kind: str, name: str, args: argparse.Namespace, tmp: Path, template_db: Path
                ) -> list:
    """The one server of the `before` or `pyview` scenario, started."""
    db = tmp / f"{kind}-{name}.sqlite3"
    db.write_bytes(template_db.read_bytes())
    env = server_env(SETTINGS, DJANGO_DEBUG="0", DEMO_DB_PATH=db)
    log = tmp / f"{kind}-{name}.log"
    if name == "pyview":
        if not args.pyview_python:
            sys.exit("--scenarios pyview needs --pyview-python")
        server = ServerProcess(kind, free_port(), env, log, app="bench.pyview_apps.fanout:app",
                               python=args.pyview_python)
    else:
        if not args.before_repo:
            sys.exit("--scenarios before needs --before-repo")
        env["PYTHONPATH"] = str(args.before_repo)
        server = ServerProcess(kind, free_port(), env, log, cwd=args.before_repo)
    return [server.start(60)]


def rounds_for(n: int, rounds: int | None) -> int:
    return rounds or (200 if n == 1 else 50 if n <= 100 else 20)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--rounds", type=int, default=None, help="broadcasts per size")
    parser.add_argument("--scenarios", default="memory,redis", help="memory,redis,pubsub")
    parser.add_argument("--servers", default="daphne", help="daphne,uvicorn")
    parser.add_argument("--before-repo", type=Path, help="another checkout, for `before`")
    parser.add_argument("--pyview-python", help="python of a virtualenv with pyview-web")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    names = args.scenarios.split(",")
    if any(name in ("redis", "pubsub") for name in names):
        check_redis()

    with tempfile.TemporaryDirectory(prefix="fanout-bench-") as tmp:
        template_db = migrate_template_db(Path(tmp) / "template.sqlite3")
        print(f"fan-out: one broadcast to N views; latency = broadcast() call to diff "
              f"received; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"{'scenario':<36}{'views':>6}{'rounds':>7}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'max ms':>9}{'1st p50':>9}{'all p50':>9}{'all max':>9}{'srv CPU/diff':>14}"
              f"{'client CPU':>12}"
              f"{'frame':>7}{'deflate':>8}")
        for kind, name in [(k, n) for k in args.servers.split(",") for n in names]:
            count, env, label = SCENARIOS[name]
            label = label.format(server=kind)
            (Path(tmp) / f"{kind}-{name}").mkdir(exist_ok=True)
            factory = ServerFactory(Path(tmp) / f"{kind}-{name}", template_db)
            prefix = f"lvbench-{uuid.uuid4().hex[:10]}"
            remote = name in ("redis", "pubsub")
            if remote:
                env = {**env, "LIVEVIEW_REDIS_URL": REDIS_URL, "LIVEVIEW_REDIS_PREFIX": prefix}
            servers = []
            try:
                if name in ("before", "pyview"):
                    servers = start_other(kind, name, args, Path(tmp), template_db)
                else:
                    servers = start_servers(factory, kind, count, env)
                for n in sizes:
                    r = await run_size(servers, n, rounds_for(n, args.rounds),
                                       own_pages=name == "pyview")
                    print(f"{label:<36}{r['views']:>6}{r['rounds']:>7}{r['p50'] * 1e3:>9.1f}"
                          f"{r['p99'] * 1e3:>9.1f}{r['max'] * 1e3:>9.1f}"
                          f"{r['first_p50'] * 1e3:>9.1f}{r['all_p50'] * 1e3:>9.1f}"
                          f"{r['all_max'] * 1e3:>9.1f}"
                          f"{r['cpu_per_diff'] * 1e6:>11.0f} µs"
                          f"{r['client_cpu'] * 1e3:>9.0f} ms{r['frame']:>7.0f}"
                          f"{'yes' if r['deflate'] else 'no':>8}", flush=True)
            finally:
                factory.stop_all()
                for server in servers:
                    server.stop()
                if remote:
                    clear_prefix(prefix)
        print("1st p50: when the FIRST of the N views got the round's diff (median over "
              "rounds). all p50 / all max: when the LAST of the N views got it. "
              "client CPU: the load generator's CPU per round (it shares the cores). "
              "frame: characters of a diff frame (before deflate); deflate: negotiated.")


if __name__ == "__main__":
    asyncio.run(main())
