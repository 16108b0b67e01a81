"""Server CPU of one counter click in process: our code alone, without a server's websocket.

The demo's ASGI application is called directly, on uvloop when installed, with a `receive`
that hands out click frames and a `send` that keeps the replies: a click goes through the
session/auth/origin middleware's wrapper, the consumer, the router, the view's mailbox, the
handler, the render and diff, and the outbound buffer and writer, as over a real socket. The
clicks go back to back (warm caches: the low end of what a click costs, see README).

    .venv/bin/python bench/click_inproc.py [--clicks 20000] [--repo OTHER_CHECKOUT] [--page PAGE]
        [--views N] [--floor]

`--page /counter-by-hand/` clicks the same counter with its tree built without a template
(bench/tracking_app): the difference is what the template render costs.

`--views 200` sends the clicks to 200 views (one websocket each) in turn, as 200 clients
do over a real server: each view's objects are then out of the CPU caches when its click
comes, which a warm loop never shows (bench/README.md, "Session 9"). `--floor` adds a bare
websocket echo in the same harness: what the harness itself costs.

`--cache-model` counts instead of timing: each case under valgrind's callgrind with a cache
model, printing per click the instructions and the L1 and L2 misses (with `--views 200`, the
L2 misses are the view's objects walked cold). The counts do not depend on the machine's load:

    .venv/bin/python bench/click_inproc.py --cache-model --clicks 1000 --views 200 --floor \
        --repo /tmp/before

`--repo` runs the same measurement on another checkout (e.g. the branch point) in a
subprocess, so both figures come from one run, alternating `--rounds` times.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


class _Client:
    """One websocket of the in-process run: its frames in, its replies out."""

    def __init__(self, topic: str, inbox: asyncio.Queue, replies: asyncio.Queue,
                 server: asyncio.Task) -> None:
        self.topic, self.inbox, self.replies, self.server = topic, inbox, replies, server


async def _connect(application: Any, page: str, port: int) -> _Client:
    """Load `page` over HTTP, open its websocket in process and join its view."""
    from django.test import AsyncClient

    from liveview.testing import page_tokens

    http = AsyncClient()
    response = await http.get(page)
    tokens = page_tokens(response.content.decode())
    cookies = "; ".join(f"{k}={m.value}" for k, m in http.cookies.items())
    inbox: asyncio.Queue = asyncio.Queue()
    replies: asyncio.Queue = asyncio.Queue()
    scope = {"type": "websocket", "path": "/live/websocket", "raw_path": b"/live/websocket",
             "query_string": f"_csrf_token={tokens.csrf_token}&vsn=2.0.0".encode(),
             "headers": [(b"cookie", cookies.encode()), (b"origin", b"http://testserver"),
                         (b"host", b"testserver")],
             "subprotocols": [], "client": ("127.0.0.1", port), "server": ("testserver", 80),
             "scheme": "ws", "asgi": {"version": "3.0"}}

    async def send(message: dict) -> None:
        if message["type"] == "websocket.send":
            replies.put_nowait(message["text"])

    server = asyncio.get_running_loop().create_task(application(scope, inbox.get, send))
    inbox.put_nowait({"type": "websocket.connect"})
    topic = f"lv:{tokens.view_id}"
    join = {"url": f"http://testserver{page}", "session": tokens.session,
            "static": tokens.static, "params": {"_csrf_token": tokens.csrf_token, "_mounts": 0}}
    inbox.put_nowait({"type": "websocket.receive",
                      "text": json.dumps(["1", "1", topic, "phx_join", join])})
    reply = json.loads(await replies.get())
    assert reply[4]["status"] == "ok", reply
    return _Client(topic, inbox, replies, server)


async def echo_application(scope: dict, receive: Any, send: Any) -> None:
    """The floor: a websocket app that answers the join and sends every click back as it
    came (the harness's own cost per click, with nothing of ours)."""
    await receive()
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        text = message["text"]
        if "phx_join" in text:
            text = json.dumps([None, None, None, None, {"status": "ok"}])
        await send({"type": "websocket.send", "text": text})


async def measure(clicks: int, page: str = "/counter/", views: int = 1,
                  echo: bool = False) -> float:
    """CPU seconds per click (process_time over `clicks` back-to-back clicks), the clicks
    going to `views` views (one websocket each) in turn; `echo`: to `echo_application`."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    application = echo_application if echo else import_string(settings.ASGI_APPLICATION)
    clients = [await _connect(application, page, 5000 + i) for i in range(views)]
    click = json.dumps({"type": "click", "event": "increment", "value": {"value": ""}})
    # Each view's frames made beforehand: the loop below is the harness's whole cost.
    tails = [f'","{client.topic}","event",{click}]' for client in clients]

    async def run(n: int, first_ref: int) -> None:
        for ref in range(first_ref, first_ref + n):
            which = ref % views
            client = clients[which]
            client.inbox.put_nowait({"type": "websocket.receive",
                                     "text": '["1","' + str(ref) + tails[which]})
            text = await client.replies.get()
        assert f'"{first_ref + n - 1}"' in text, text

    await run(max(500, 2 * views), 2)  # warm up
    start = time.process_time()
    await run(clicks, 100_000)
    cpu = time.process_time() - start
    for client in clients:
        client.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.gather(*(client.server for client in clients))
    return cpu / clicks


def child(clicks: int, page: str, views: int, echo: bool = False) -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings" if page == "/counter/"
                          else "bench.tracking_app.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    # Back-to-back clicks exceed the per-socket frame rate a browser is allowed. (Through
    # override_settings: liveview reads LIVEVIEW again only when told it changed.)
    override_settings(
        ALLOWED_HOSTS=["testserver"],
        LIVEVIEW={**(getattr(settings, "LIVEVIEW", None) or {}), "MAX_FRAMES_PER_SECOND": 0},
    ).enable()
    try:
        import uvloop
        result = uvloop.run(measure(clicks, page, views, echo))
    except ImportError:
        result = asyncio.run(measure(clicks, page, views, echo))
    print(f"{1000 * result:.4f}")


def child_command(name: str, args: argparse.Namespace, clicks: int) -> list[str]:
    """The command line of one measurement (`name`: this, other or echo)."""
    return [sys.executable, str(REPO_ROOT / "bench/click_inproc.py"), "--child",
            "--clicks", str(clicks), "--page", args.page, "--views", str(args.views),
            *(["--echo"] if name == "echo" else [])]


def child_env(repo: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(repo), "DEMO_DB_PATH": str(repo / "db.sqlite3"),
            "PYTHONHASHSEED": "0"}


#: callgrind's cache model: L1i and L1d of 32 KiB (8-way), the last level as this machine's
#: 1 MiB L2 (16-way), 64-byte lines. callgrind models two levels only; the L2 is what 200
#: views in turn overflow (bench/README.md, "Session 9").
CACHE_MODEL = ["--cache-sim=yes", "--I1=32768,8,64", "--D1=32768,8,64", "--LL=1048576,16,64"]
_EVENTS = ("Ir", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


def cache_model(repos: dict[str, Path], args: argparse.Namespace) -> None:
    """Per-click instructions and cache misses of each case, counted by callgrind: the
    difference between a run of 3x --clicks clicks and one of --clicks, over 2x --clicks."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--cache-model needs valgrind (apt-get install valgrind)")
    out_dir = Path(tempfile.mkdtemp(prefix="click-cache-"))
    print(f"clicks to {args.views} view(s) in turn, {args.page}; callgrind cache model "
          f"(counts are the same whatever else the machine runs)")
    print(f"  {'case':5s}  {'instructions':>12s}  {'L1i misses':>10s}  {'L1d misses':>10s}  "
          f"{'L2 misses':>9s}")
    try:
        for name, repo in repos.items():
            totals = []
            for clicks in (args.clicks, 3 * args.clicks):
                path = out_dir / f"{name}-{clicks}.out"
                run = subprocess.run(["valgrind", "--tool=callgrind", *CACHE_MODEL,
                                      f"--callgrind-out-file={path}",
                                      *child_command(name, args, clicks)],
                                     cwd=repo, env=child_env(repo), capture_output=True,
                                     text=True)
                if run.returncode:
                    raise SystemExit(run.stderr[-3000:])
                lines = path.read_text().splitlines()
                events = next(line for line in lines if line.startswith("events:")).split()
                summary = next(line for line in lines if line.startswith("summary:")).split()
                totals.append(dict(zip(events[1:], map(int, summary[1:]))))
            per = {k: (totals[1][k] - totals[0][k]) / (2 * args.clicks) for k in _EVENTS}
            print(f"  {name:5s}  {per['Ir']:12,.0f}  {per['I1mr']:10,.0f}  "
                  f"{per['D1mr'] + per['D1mw']:10,.0f}  "
                  f"{per['ILmr'] + per['DLmr'] + per['DLmw']:9,.1f}")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=20000)
    parser.add_argument("--repo", type=Path, help="another checkout to measure beside this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--views", type=int, default=1,
                        help="click this many views (one websocket each) in turn: 200 leaves "
                             "each view's objects out of the CPU caches, as under load")
    parser.add_argument("--floor", action="store_true",
                        help="also measure a bare websocket echo in the same harness (the "
                             "harness's own cost: subtract it for ours)")
    parser.add_argument("--echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--page", default="/counter/",
                        help="/counter/ (the demo) or /counter-by-hand/ (no template)")
    parser.add_argument("--cache-model", action="store_true",
                        help="count instead of timing: each case runs under valgrind's callgrind "
                             "with its cache model (32 KiB L1s, this machine's 1 MiB L2 as the "
                             "last level), for --clicks and 3x --clicks clicks, and the per-click "
                             "difference is printed (instructions, L1i, L1d and L2 misses). "
                             "Use --clicks 1000: a run takes minutes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.clicks, args.page, args.views, args.echo)
        return
    repos = {"this": REPO_ROOT, **({"other": args.repo} if args.repo else {}),
             **({"echo": REPO_ROOT} if args.floor else {})}
    if args.cache_model:
        cache_model(repos, args)
        return
    figures: dict[str, list[float]] = {name: [] for name in repos}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, repo in repos.items():
            out = subprocess.run(child_command(name, args, args.clicks), cwd=repo,
                                 env=child_env(repo), capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(out.stderr)
            figures[name].append(float(out.stdout.split()[-1]))
    print(f"{args.clicks} back-to-back counter clicks in process, {args.views} view(s) in turn; "
          f"load average {load:.1f} "
          f"before, {os.getloadavg()[0]:.1f} after")
    for name, values in figures.items():
        print(f"  {name:5s} ({repos[name]}): ms per click {' '.join(f'{v:.4f}' for v in values)}"
              f"  best {min(values):.4f}")


if __name__ == "__main__":
    main()
