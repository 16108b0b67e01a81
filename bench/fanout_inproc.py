"""One broadcast to N views in process: our code alone, without a server's websockets.

The fan-out app's ASGI application (`bench/fanout_app`) is called directly, on uvloop when
installed: N sockets each join `/fanout/` (a view subscribed to one topic, one text value in
its template), one more joins `/fanout/?fire=1` and sends the `fire` event that broadcasts.
Each socket's `send` notes when its stamped diff arrives. Per round (the next broadcast goes
out once every view has the previous one): CPU per delivered diff (process_time over the
round / N), and the wall time from the `fire` frame to the FIRST and to the LAST view's diff.
The first is what scheduling decides: whether early views get their diff while the others
still render, or only once all of them have.

    .venv/bin/python bench/fanout_inproc.py [--views 200] [--rounds 20] [--repo OTHER_CHECKOUT]

`--repo` runs the same measurement on another checkout (e.g. the branch point) in a
subprocess, alternating `--alternate` times, so both figures come from one run. `--child`
runs one measurement in this process (what `valgrind --tool=callgrind` wants; `--profile
FILE` adds a cProfile of the measured rounds).
"""
from __future__ import annotations

import argparse
import cProfile
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


async def measure(views: int, rounds: int, profile: str | None = None) -> dict[str, float]:
    from django.conf import settings
    from django.test import AsyncClient
    from django.utils.module_loading import import_string

    from liveview.testing import page_tokens

    application = import_string(settings.ASGI_APPLICATION)
    loop = asyncio.get_running_loop()
    state = {"n": -1, "count": 0, "first": 0.0, "last": 0.0}
    done = asyncio.Event()
    sockets: list[tuple[asyncio.Queue, asyncio.Task]] = []

    async def open_socket(path: str, counting: bool) -> tuple[asyncio.Queue, str]:
        http = AsyncClient()
        response = await http.get(path)
        tokens = page_tokens(response.content.decode())
        cookies = "; ".join(f"{k}={m.value}" for k, m in http.cookies.items())
        inbox: asyncio.Queue = asyncio.Queue()
        joined = asyncio.Event()
        scope = {"type": "websocket", "path": "/live/websocket", "raw_path": b"/live/websocket",
                 "query_string": f"_csrf_token={tokens.csrf_token}&vsn=2.0.0".encode(),
                 "headers": [(b"cookie", cookies.encode()), (b"origin", b"http://testserver"),
                             (b"host", b"testserver")],
                 "subprotocols": [], "client": ("127.0.0.1", 5000),
                 "server": ("testserver", 80), "scheme": "ws", "asgi": {"version": "3.0"}}

        async def send(message: dict) -> None:
            if message["type"] != "websocket.send":
                return
            text = message["text"]
            if not joined.is_set():
                joined.set()
                return
            if counting and f'"{state["n"]}@' in text:
                state["count"] += 1
                now = time.perf_counter()
                if state["count"] == 1:
                    state["first"] = now
                if state["count"] == views:
                    state["last"] = now
                    done.set()

        sockets.append((inbox, loop.create_task(application(scope, inbox.get, send))))
        inbox.put_nowait({"type": "websocket.connect"})
        topic = f"lv:{tokens.view_id}"
        join = {"url": f"http://testserver{path}", "session": tokens.session,
                "static": tokens.static,
                "params": {"_csrf_token": tokens.csrf_token, "_mounts": 0}}
        inbox.put_nowait({"type": "websocket.receive",
                          "text": json.dumps(["1", "1", topic, "phx_join", join])})
        await asyncio.wait_for(joined.wait(), 30)
        return inbox, topic

    for _ in range(views):
        await open_socket("/fanout/", True)
    fire_inbox, fire_topic = await open_socket("/fanout/?fire=1", False)
    await asyncio.sleep(0.1)

    async def broadcast(n: int) -> float:
        state.update(n=n, count=0)
        done.clear()
        event = json.dumps({"type": "click", "event": "fire", "value": {"n": n}})
        start = time.perf_counter()
        fire_inbox.put_nowait({"type": "websocket.receive",
                               "text": f'["1","{n + 10}","{fire_topic}","event",{event}]'})
        await asyncio.wait_for(done.wait(), 120)
        return start

    for n in range(1, 4):  # warm up
        await broadcast(n)
    cpu, first, last = [], [], []
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    for n in range(10, 10 + rounds):
        c0 = time.process_time()
        start = await broadcast(n)
        cpu.append((time.process_time() - c0) / views)
        first.append(state["first"] - start)
        last.append(state["last"] - start)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    for inbox, _ in sockets:
        inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.gather(*(task for _, task in sockets))
    return {"cpu": statistics.median(cpu), "first": statistics.median(first),
            "last": statistics.median(last)}


def child(views: int, rounds: int, profile: str | None) -> None:
    sys.path.insert(0, os.getcwd())  # the checkout measured (its liveview, its bench app)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.fanout_app.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("LIVEVIEW_REDIS_URL", None)  # the in-memory layer
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    try:
        import uvloop
        result = uvloop.run(measure(views, rounds, profile))
    except ImportError:
        result = asyncio.run(measure(views, rounds, profile))
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repo", type=Path, help="another checkout to measure beside this one")
    parser.add_argument("--alternate", type=int, default=3)
    parser.add_argument("--child", action="store_true", help="measure once, in this process")
    parser.add_argument("--profile", help="with --child: cProfile the rounds into this file")
    args = parser.parse_args()
    if args.child:
        child(args.views, args.rounds, args.profile)
        return
    repos = {"this": REPO_ROOT, **({"other": args.repo.resolve()} if args.repo else {})}
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in repos}
    load = os.getloadavg()[0]
    for _ in range(args.alternate):
        for name, repo in repos.items():
            env = {**os.environ, "PYTHONPATH": str(repo),
                   "DEMO_DB_PATH": str(repo / "db.sqlite3")}
            out = subprocess.run([sys.executable, str(REPO_ROOT / "bench/fanout_inproc.py"),
                                  "--child", "--views", str(args.views), "--rounds",
                                  str(args.rounds)], cwd=repo, env=env, capture_output=True,
                                 text=True)
            if out.returncode:
                raise SystemExit(out.stderr)
            figures[name].append(json.loads(out.stdout.split("\n")[-2]))
    print(f"one broadcast to {args.views} views in process, median of {args.rounds} rounds per "
          f"run; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    for name, runs in figures.items():
        print(f"  {name:5s} ({repos[name]})")
        for key, label, scale in (("cpu", "CPU per diff µs", 1e6), ("first", "first diff ms", 1e3),
                                  ("last", "last diff ms", 1e3)):
            print(f"    {label:<16}: " + "  ".join(f"{r[key] * scale:7.2f}" for r in runs))


if __name__ == "__main__":
    main()
