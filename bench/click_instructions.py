"""Server instructions per click over a real websocket, counted by callgrind (issue 15).

CPU seconds per click (`socket_load.py`) move with the machine's load and with how cold the
caches are; the number of instructions the server runs per click does not. For each app a
server (uvicorn by default, DEBUG off) runs under `valgrind --tool=callgrind`; one client
loads the page, joins, and clicks `increment` one click at a time (each waits for its reply,
then `--gap` seconds). The server runs twice, with `--clicks` and with 6 × `--clicks`
clicks; the difference of the two totals divided by the difference of clicks is what one
click costs, start-up and the join cancelled out. Instructions in the kernel (the socket
syscalls, the same for every app) are not counted. What a server does per second rather than
per click (our once-a-second database connection cleanup, the servers' own ticks) is spread
over the clicks of that second: valgrind slows the server down ~50 times, so keep `--gap`
small (the default stays under MAX_FRAMES_PER_SECOND's 200 a second).

    .venv/bin/python bench/click_instructions.py                       # echo and liveview
    .venv/bin/python bench/click_instructions.py --apps echo,liveview,before,pyview \
        --before-repo /tmp/lv-before --pyview-python /tmp/pyview-venv/bin/python
    .venv/bin/python bench/click_instructions.py --pages /counter/,/counter-by-hand/

`--pages` clicks other pages of this checkout (the `liveview` app): `/counter-by-hand/` is
the same counter with a `render()` that builds its tree without a template
(bench/tracking_app), so the difference from `/counter/` is what the template render costs,
and its distance from echo what the rest of the framework costs.

The apps are socket_load.py's (`echo`: the raw ASGI websocket floor; `before`: another
checkout; `pyview`: the same counter on pyview). Each server takes a minute or two under
valgrind. Prints figures only.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from socket_load import Client, app_server, asyncio_run  # noqa: E402

from tests.support.servers import ServerProcess, migrate_template_db  # noqa: E402


class CountedServer(ServerProcess):
    """A server process run by callgrind, which writes its total when the process ends."""

    def __init__(self, server: ServerProcess, out: Path):
        self.__dict__.update(server.__dict__)
        self.out = out

    def command(self) -> list[str]:
        return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.out}",
                *super().command()]

    def instructions(self) -> int:
        found = re.search(r"Collected : (\d+)", self.log_path.read_text())
        if found is None:
            raise RuntimeError(f"no callgrind total in {self.log_path}:\n{self.log_tail()}")
        return int(found.group(1))


async def click(server: ServerProcess, app: str, page: str, clicks: int, gap: float) -> None:
    client = Client(server.port, None if app == "echo" else page)
    await client.load_page()
    await client.join(None)
    for _ in range(clicks):
        await client.click()
        while json.loads(await client.ws.recv())[1] != str(client.ref):
            pass
        await asyncio.sleep(gap)  # under MAX_FRAMES_PER_SECOND, as a person clicks
    await client.ws.close()


def run(app: str, clicks: int, args: argparse.Namespace, tmp: Path, template_db: Path) -> int:
    """The server's instructions, start to exit, with `clicks` clicks on `args.page`."""
    name = f"{app}-{args.page.strip('/')}-{clicks}"
    server = CountedServer(app_server(args.server, app, clicks, args, tmp, template_db),
                           tmp / f"{name}.callgrind")
    server.log_path = tmp / f"{name}.log"  # (app_server's is per app: pages would share it)
    server.start(timeout=600)
    try:
        asyncio_run(click(server, app, args.page, clicks, args.gap))
    finally:
        server.stop(timeout=120)  # callgrind writes its output as the process ends
    return server.instructions()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", default="echo,liveview",
                        help="comma-separated: echo, liveview, before, pyview")
    parser.add_argument("--server", default="uvicorn", help="uvicorn, daphne, granian, hypercorn")
    parser.add_argument("--pages", default="/counter/",
                        help="comma-separated pages of the liveview app: /counter/ (the demo), "
                             "/counter-by-hand/ (its tree built without a template), "
                             "/counter-table/, /table-row/ (bench/tracking_app)")
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.006,
                        help="seconds between clicks (at least 1/MAX_FRAMES_PER_SECOND)")
    parser.add_argument("--before-repo", type=Path)
    parser.add_argument("--pyview-python")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("this bench needs valgrind (apt-get install valgrind)")
    # What app_server reads of socket_load's options.
    args.settings, args.profile = "demo_project.settings", None

    tmp = Path(tempfile.mkdtemp(prefix="liveview-click-instructions-"))
    figures: dict[str, float] = {}
    try:
        template_db = migrate_template_db(tmp / "template.sqlite3")
        for app in args.apps.split(","):
            for page in args.pages.split(",") if app == "liveview" else ["/counter/"]:
                args.page = page
                name = app if page == "/counter/" else f"{app} {page}"
                print(f"{name} ...", file=sys.stderr, flush=True)
                few = run(app, args.clicks, args, tmp, template_db)
                many = run(app, 6 * args.clicks, args, tmp, template_db)
                figures[name] = (many - few) / (5 * args.clicks)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{args.server}: server instructions per click (user space), "
          f"{args.clicks} and {6 * args.clicks} clicks; load average {os.getloadavg()[0]:.1f}")
    floor = figures.get("echo")
    for app, count in figures.items():
        ratio = f"  ({count / floor:.2f}x echo)" if floor and app != "echo" else ""
        print(f"  {app:>28}  {count:>10,.0f}{ratio}")


if __name__ == "__main__":
    main()
