"""Streams benchmark: server memory and cost of streaming, and what each edit sends.

(a) The demo feed (`/feed/`) over the real websocket against one server process (DEBUG off):
    join, then `next-page` events one after the other, as the client sends them while the user
    scrolls down, until all 100,000 rows (2000 pages of 50, limit 150) went through the view.
    Printed: the server's RSS after the first pages and at the end, and per page the reply's
    bytes and the server's CPU (utime+stime from /proc).
(b) `/stream1000/` (bench/streams_app): a view that streamed 1000 table rows at mount; each
    `insert` event streams one more on top. Server CPU and bytes per event, next to an event
    that changes nothing (the cost of an event alone).
(c) In process, no server: the four edits of bench/lists.py's 1000-row keyed table (prepend,
    delete the first row, move one row one place down, change one row) against the same edits
    on a stream of the same rows (insert at 0, delete by dom id, delete + insert at the new
    place, insert of a dom id the client shows). Every diff is merged by the client's rules
    and checked against the HTML the edited list must give.

    .venv/bin/python bench/streams.py                       # daphne, 2000 pages, 2000 inserts
    .venv/bin/python bench/streams.py --server uvicorn --pages 500 --inserts 500

Prints figures only; nothing here is a pass/fail test (targets are in bench/README.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import lists  # noqa: E402  (configures Django for the in-process part)
from socket_load import Client, asyncio_run, cpu_seconds, rss_kb  # noqa: E402
from tests.support.servers import ServerProcess, free_port, migrate_template_db, server_env  # noqa: E402

from liveview.core.diff import diff_tree  # noqa: E402
from liveview.core.render import render_tree  # noqa: E402
from liveview.core.streams import Streams, forget_stream_items  # noqa: E402
from liveview.core.tree import merge_diff, tree_to_html  # noqa: E402

SETTINGS = "bench.streams_app.settings"
FEED_ROWS, PAGE, KEEP = 100_000, 50, 150  # as demo_project/demos/streams.py


# Over the websocket ---------------------------------------------------------------------------
async def push(client: Client, event: str, value: dict) -> tuple[int, dict]:
    """Send one event as the client does and wait for its reply: (frame bytes, diff)."""
    ref = client.next_ref()
    payload = {"type": "hook", "event": event, "value": value}
    await client.ws.send(json.dumps([client.join_ref, ref, f"lv:{client.view_id}", "event",
                                     payload]))
    while True:
        text = await client.ws.recv()
        frame = json.loads(text)
        if frame[1] == ref and frame[3] == "phx_reply":
            if frame[4]["status"] != "ok":
                raise RuntimeError(f"{event} refused: {frame[4]}")
            return len(text.encode()), frame[4]["response"].get("diff", {})


async def feed(port: int, pid: int, pages: int) -> dict:
    """Scroll the feed down `pages` pages (the first already shown at join)."""
    client = Client(port, path="/feed/")
    await client.load_page()
    await client.join("deflate")
    warm = 20  # templates compiled, every code path imported, allocator settled
    last_id = PAGE - 1
    for _ in range(warm):
        _, diff = await push(client, "next-page", {"id": f"rows-{last_id}"})
        last_id += PAGE
    await asyncio.sleep(0.5)
    rss_before, cpu_before = rss_kb(pid), cpu_seconds(pid)
    sizes = []
    start = time.perf_counter()
    for _ in range(pages - 1 - warm):
        size, diff = await push(client, "next-page", {"id": f"rows-{last_id}"})
        sizes.append(size)
        last_id += PAGE
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu_before
    await asyncio.sleep(0.5)
    rss_after = rss_kb(pid)
    # The last page's diff must insert the last rows: the whole feed went through.
    inserted = [op[0] for op in find_stream(diff)[1]]
    await client.ws.close()
    return dict(pages=len(sizes), rows=len(sizes) * PAGE, rss_before=rss_before,
                rss_after=rss_after, bytes=statistics.mean(sizes),
                cpu_ms=1000 * cpu / len(sizes), seconds=elapsed, last=inserted[-1])


def find_stream(diff: dict) -> list:
    """The first `"stream"` value in a diff."""
    for value in diff.values():
        if isinstance(value, dict):
            if "stream" in value:
                return value["stream"]
            found = find_stream(value)
            if found:
                return found
    return []


async def inserts(port: int, pid: int, count: int) -> dict:
    """`count` one-row inserts into the 1000-row stream, then `count` events changing nothing."""
    client = Client(port, path="/stream1000/")
    await client.load_page()
    await client.join("deflate")
    results = {}
    for event in ("insert", "noop"):
        for _ in range(50):  # warm-up
            await push(client, event, {})
        await asyncio.sleep(0.3)
        cpu_before, sizes, diffs = cpu_seconds(pid), [], []
        for _ in range(count):
            size, diff = await push(client, event, {})
            sizes.append(size)
            diffs.append(diff)
        cpu = cpu_seconds(pid) - cpu_before
        results[event] = dict(cpu_ms=1000 * cpu / count, frame=statistics.mean(sizes),
                              diff=statistics.mean(lists.size(d) for d in diffs),
                              sample=diffs[-1])
    await client.ws.close()
    return results


def run_server(kind: str, pages: int, count: int) -> tuple[dict, dict]:
    tmp = Path(tempfile.mkdtemp(prefix="liveview-streams-bench-"))
    try:
        db = migrate_template_db(tmp / "db.sqlite3")
        env = server_env(SETTINGS, DJANGO_DEBUG="0", DEMO_DB_PATH=db)
        server = ServerProcess(kind, free_port(), env, tmp / f"{kind}.log")
        server.start()
        try:
            pid = server.proc.pid
            scrolled = asyncio_run(feed(server.port, pid, pages))
            inserted = asyncio_run(inserts(server.port, pid, count))
        except BaseException:
            print(server.log_tail(chars=3000), file=sys.stderr)
            raise
        finally:
            server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return scrolled, inserted


# In process: keyed table vs stream ------------------------------------------------------------
STREAM_TABLE = (lists.TABLE
                .replace("<tbody>", '<tbody id="rows" phx-update="stream">')
                .replace("{% for row in rows %}{% live_key row.id %}",
                         "{% for dom_id, row in streams.rows %}")
                .replace('id="row-{{ row.id }}"', 'id="{{ dom_id }}"'))
_ROWS = lists.ROWS


def stream_edits() -> list[tuple[str, str, object]]:
    """(keyed edit label in lists.EDITS, stream edit label, stream operation)."""
    row = lists.row
    middle = _ROWS // 2
    return [
        ("prepend one row", "insert at 0",
         lambda s: s.insert(row(_ROWS), at=0)),
        ("delete the first row", "delete by dom id",
         lambda s: s.delete_by_dom_id("row-0")),
        ("move one row one place down", "delete + insert at the new place",
         lambda s: (s.delete_by_dom_id(f"row-{middle}"), s.insert(row(middle), at=middle + 1))),
        ("change one row", "insert of a shown dom id",
         lambda s: s.insert({**row(middle), "name": "renamed customer"})),
    ]


def compare() -> list[tuple[str, int, int, str, int, int, float]]:
    engine = lists.make_engine(stream=STREAM_TABLE)
    keyed, stream_template = engine.get_template("keyed"), engine.get_template("stream")
    edits = {label: edit for label, edit, _ in lists.EDITS}
    before = [lists.row(i) for i in range(_ROWS)]
    keyed_tree = render_tree(keyed, {"rows": before})

    def stream_view() -> tuple[Streams, dict]:
        """A view that streamed the 1000 rows: what the client holds, what the server keeps."""
        streams = Streams()
        stream = streams.get_or_create("rows")
        stream.dom_id = lambda r: f"row-{r['id']}"  # the keyed table's ids: same HTML
        stream.insert_many(before)
        sent = render_tree(stream_template, {"streams": streams})
        streams.prune()
        return streams, sent

    out = []
    for keyed_label, stream_label, operation in stream_edits():
        after = edits[keyed_label](before)
        keyed_diff, _ = lists.checked_diff(keyed, keyed_tree, after)

        streams, sent = stream_view()
        client = merge_diff(None, sent)
        held = forget_stream_items(sent)
        operation(streams["rows"])
        new = render_tree(stream_template, {"streams": streams})
        diff = diff_tree(held, new)
        expected = keyed.render(lists.Context({"rows": after})).replace(
            "<tbody>", '<tbody id="rows" phx-update="stream">')
        assert tree_to_html(merge_diff(client, diff)) == expected, stream_label

        def one_event(operation=operation):
            streams, sent = stream_view()
            held = forget_stream_items(sent)
            operation(streams["rows"])
            start = time.perf_counter()
            diff_tree(held, render_tree(stream_template, {"streams": streams}))
            return time.perf_counter() - start

        stream_ms = statistics.median(1000 * one_event() for _ in range(15))
        out.append((keyed_label, lists.size(keyed_diff), lists.deflated(keyed_diff),
                    stream_label, lists.size(diff), lists.deflated(diff), stream_ms))
    return out


# Report ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="daphne", choices=("daphne", "uvicorn"))
    parser.add_argument("--pages", type=int, default=FEED_ROWS // PAGE,
                        help="feed pages to scroll through (default: all 100,000 rows)")
    parser.add_argument("--inserts", type=int, default=2000,
                        help="one-row inserts into the 1000-row stream")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    print(f"{args.server}, DEBUG off; {os.cpu_count()} CPUs, load average {load_before:.1f}",
          file=sys.stderr, flush=True)
    scrolled, inserted = run_server(args.server, args.pages, args.inserts)

    print(f"\n(a) feed over the websocket ({args.server}): {scrolled['pages']} pages of {PAGE} "
          f"rows measured (after 1 at join + 20 warm-up), limit {KEEP}, last row "
          f"{scrolled['last']}")
    growth = (scrolled["rss_after"] - scrolled["rss_before"]) / 1024
    print(f"  server RSS {scrolled['rss_before'] / 1024:.1f} MB -> "
          f"{scrolled['rss_after'] / 1024:.1f} MB ({growth:+.2f} MB "
          f"for {scrolled['rows']:,} rows; target flat, under +5 MB)")
    print(f"  per page: {scrolled['bytes']:.0f} B reply frame, "
          f"{scrolled['cpu_ms']:.2f} ms server CPU, "
          f"{1000 * scrolled['seconds'] / scrolled['pages']:.2f} ms round trip")

    print(f"\n(b) one stream_insert into a view that streamed 1000 rows ({args.inserts} events)")
    for event, label in (("insert", "insert one row at 0"), ("noop", "event changing nothing")):
        r = inserted[event]
        target = "  target <= 1 ms, <= 200 B" if event == "insert" else ""
        print(f"  {label:24} {r['cpu_ms']:6.3f} ms server CPU/event, {r['frame']:5.0f} B frame, "
              f"{r['diff']:4.0f} B diff{target}")
    print(f"  insert diff: {json.dumps(inserted['insert']['sample'], separators=(',', ':'))}")

    print(f"\n(c) the same edits on the {_ROWS}-row table: keyed loop vs stream (in process)")
    print(f"  {'keyed edit':28} {'bytes':>6} {'deflated':>8}   {'stream edit':33} "
          f"{'bytes':>6} {'deflated':>8} {'render+diff ms':>14}")
    for keyed_label, k_size, k_def, stream_label, s_size, s_def, ms in compare():
        print(f"  {keyed_label:28} {k_size:6d} {k_def:8d}   {stream_label:33} {s_size:6d} "
              f"{s_def:8d} {ms:14.3f}")
    print(f"\nload average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
