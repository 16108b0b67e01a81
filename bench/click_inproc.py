"""Server CPU of one counter click in process: our code alone, without a server's websocket.

The demo's ASGI application is called directly, on uvloop when installed, with a `receive`
that hands out click frames and a `send` that keeps the replies: a click goes through the
session/auth/origin middleware's wrapper, the consumer, the router, the view's mailbox, the
handler, the render and diff, and the outbound buffer and writer, as over a real socket. The
clicks go back to back (warm caches: the low end of what a click costs, see README).

    .venv/bin/python bench/click_inproc.py [--clicks 20000] [--repo OTHER_CHECKOUT] [--page PAGE]

`--page /counter-by-hand/` clicks the same counter with its tree built without a template
(bench/tracking_app): the difference is what the template render costs.

`--repo` runs the same measurement on another checkout (e.g. the branch point) in a
subprocess, so both figures come from one run, alternating `--rounds` times.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


async def measure(clicks: int, page: str = "/counter/") -> float:
    """CPU seconds per click (process_time over `clicks` back-to-back clicks)."""
    from django.conf import settings
    from django.test import AsyncClient
    from django.utils.module_loading import import_string

    from liveview.testing import page_tokens

    application = import_string(settings.ASGI_APPLICATION)
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
             "subprotocols": [], "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
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
    click = json.dumps({"type": "click", "event": "increment", "value": {"value": ""}})

    async def run(n: int, first_ref: int) -> None:
        for ref in range(first_ref, first_ref + n):
            inbox.put_nowait({"type": "websocket.receive",
                              "text": f'["1","{ref}","{topic}","event",{click}]'})
            text = await replies.get()
        assert f'"{first_ref + n - 1}"' in text, text

    await run(500, 2)  # warm up
    start = time.process_time()
    await run(clicks, 1000)
    cpu = time.process_time() - start
    inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await server
    return cpu / clicks


def child(clicks: int, page: str) -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings" if page == "/counter/"
                          else "bench.tracking_app.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    # Back-to-back clicks exceed the per-socket frame rate a browser is allowed.
    settings.LIVEVIEW = {**(getattr(settings, "LIVEVIEW", None) or {}), "MAX_FRAMES_PER_SECOND": 0}
    try:
        import uvloop
        result = uvloop.run(measure(clicks, page))
    except ImportError:
        result = asyncio.run(measure(clicks, page))
    print(f"{1000 * result:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=20000)
    parser.add_argument("--repo", type=Path, help="another checkout to measure beside this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page", default="/counter/",
                        help="/counter/ (the demo) or /counter-by-hand/ (no template)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.clicks, args.page)
        return
    repos = {"this": REPO_ROOT, **({"other": args.repo} if args.repo else {})}
    figures: dict[str, list[float]] = {name: [] for name in repos}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, repo in repos.items():
            env = {**os.environ, "PYTHONPATH": str(repo), "DEMO_DB_PATH": str(repo / "db.sqlite3")}
            out = subprocess.run([sys.executable, str(REPO_ROOT / "bench/click_inproc.py"),
                                  "--child", "--clicks", str(args.clicks), "--page", args.page],
                                 cwd=repo, env=env,
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(out.stderr)
            figures[name].append(float(out.stdout.split()[-1]))
    print(f"{args.clicks} back-to-back counter clicks in process; load average {load:.1f} "
          f"before, {os.getloadavg()[0]:.1f} after")
    for name, values in figures.items():
        print(f"  {name:5s} ({repos[name]}): ms per click {' '.join(f'{v:.4f}' for v in values)}"
              f"  best {min(values):.4f}")


if __name__ == "__main__":
    main()
