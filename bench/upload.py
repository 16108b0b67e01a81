"""Upload benchmark (issue 6): one large file over the websocket into one daphne process.

The client side speaks the protocol as phoenix_live_view's uploader does
(docs/internals.md, "Uploads"):
change event with the file, `allow_upload` preflight, join `lvu:<ref>` with the token, then
binary chunks of the preflight's chunk_size, each sent after the previous one's ack, and a
`progress` event whenever the whole percentage grows (the last one, 100, completes it).
Meanwhile a second task clicks a button on the same view every 50 ms, to show that the view
keeps answering while the file streams.

Printed: throughput (MB/s, first chunk to the progress-100 reply), the server's RSS before,
its peak while uploading (sampled every 10 ms from /proc) and VmHWM, click latency during the
upload, and whether the temp dir is empty once the socket closes. The server writes each chunk
to disk as it arrives, so the peak RSS should stay near the baseline whatever the file size.

    .venv/bin/python bench/upload.py             # 50 MB
    .venv/bin/python bench/upload.py --mb 200

Prints figures only; nothing here is a pass/fail test.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from liveview.testing import page_tokens  # noqa: E402
from page import cookie_header, http_get  # noqa: E402
from tests.support.servers import ServerFactory, migrate_template_db  # noqa: E402

SETTINGS = "bench.upload_settings"
PATH = "/t/up/big/"
_INPUT_ID = re.compile(r'<input id="(phx-[^"]+)" type="file"')


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def binary_frame(join_ref: str, ref: str, topic: str, event: str, data: bytes) -> bytes:
    fields = [s.encode() for s in (join_ref, ref, topic, event)]
    return bytes([0, *(len(f) for f in fields)]) + b"".join(fields) + data


async def load_page(port: int) -> dict:
    status, set_cookies, body = await http_get(port, PATH)
    tokens, upload = page_tokens(body), _INPUT_ID.search(body)
    if not (tokens and upload):
        raise RuntimeError(f"GET {PATH} answered {status} with no LiveView container or file "
                           f"input\n{body[:2000]}")
    return {"id": tokens.view_id, "session": tokens.session, "static": tokens.static,
            "csrf": tokens.csrf_token, "cookies": cookie_header(set_cookies), "port": port}


class Session:
    """One websocket; replies are matched to requests by ref."""

    def __init__(self, ws, topic: str):
        self.ws, self.topic = ws, topic
        self.ref = 0
        self.waiting: dict[str, asyncio.Future] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            frame = json.loads(message)
            future = self.waiting.pop(frame[1], None) if frame[3] == "phx_reply" else None
            if future is not None and not future.done():
                future.set_result(frame[4])

    def next_ref(self) -> str:
        self.ref += 1
        return str(self.ref)

    async def request(self, join_ref, topic, event, payload) -> dict:
        ref = self.next_ref()
        future = self.waiting[ref] = asyncio.get_running_loop().create_future()
        await self.ws.send(json.dumps([join_ref, ref, topic, event, payload]))
        return await future

    async def chunk(self, join_ref, topic, data) -> dict:
        ref = self.next_ref()
        future = self.waiting[ref] = asyncio.get_running_loop().create_future()
        await self.ws.send(binary_frame(join_ref, ref, topic, "chunk", data))
        return await future


async def run(port: int, pid: int, size: int, temp_dir: Path) -> None:
    page = await load_page(port)
    query = urlencode({"_csrf_token": page["csrf"], "vsn": "2.0.0"})
    origin = f"http://127.0.0.1:{port}"
    ws = await connect(f"ws://127.0.0.1:{port}/live/websocket?{query}", max_size=None,
                       additional_headers={"Cookie": page["cookies"], "Origin": origin})
    topic = f"lv:{page['id']}"
    s = Session(ws, topic)
    jr = "1"
    s.ref = 1
    s.waiting["1"] = asyncio.get_running_loop().create_future()
    await ws.send(json.dumps([jr, jr, topic, "phx_join", {
        "url": f"{origin}{PATH}", "params": {"_csrf_token": page["csrf"], "_mounts": 0},
        "session": page["session"], "static": page["static"]}]))
    reply = await s.waiting["1"]
    rendered = json.dumps(reply["response"]["rendered"])
    upload_ref = _INPUT_ID.search(rendered.replace('\\"', '"')).group(1)
    entry = {"path": "up", "ref": "0", "last_modified": 1, "name": "big.bin",
             "type": "application/octet-stream", "size": size}
    await s.request(jr, topic, "event", {"type": "form", "event": "validate", "value": "",
                                         "meta": {"_target": "up"},
                                         "uploads": {upload_ref: [entry]}})
    pre = (await s.request(jr, topic, "allow_upload", {"ref": upload_ref,
                                                       "entries": [entry]}))["response"]
    chunk_size = pre["config"]["chunk_size"]
    token = pre["entries"]["0"]
    ujr = "u"
    assert (await s.request(ujr, "lvu:0", "phx_join", {"token": token}))["status"] == "ok"

    block = os.urandom(chunk_size)
    baseline = rss_kb(pid)
    peak = baseline
    clicks: list[float] = []
    uploading = True

    async def sample() -> None:
        nonlocal peak
        while uploading:
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.01)

    async def click() -> None:
        while uploading:
            started = time.perf_counter()
            await s.request(jr, topic, "event", {"type": "click", "event": "click",
                                                 "value": {"value": ""}})
            clicks.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)

    tasks = [asyncio.create_task(sample()), asyncio.create_task(click())]
    started = time.perf_counter()
    sent, last_percent = 0, 0
    while sent < size:
        data = block[:min(chunk_size, size - sent)]
        reply = await s.chunk(ujr, "lvu:0", data)
        if reply["status"] != "ok":
            raise RuntimeError(f"chunk refused: {reply}")
        sent += len(data)
        percent = sent * 100 // size
        if percent > last_percent:
            last_percent = percent
            await s.request(jr, topic, "progress", {"event": None, "ref": upload_ref,
                                                    "entry_ref": "0", "progress": percent})
    elapsed = time.perf_counter() - started
    uploading = False
    await asyncio.gather(*tasks)
    hwm = rss_kb(pid, "VmHWM")
    on_disk = sum(p.stat().st_size for p in temp_dir.iterdir())
    await ws.close()
    s.reader.cancel()
    await asyncio.sleep(0.3)
    left = list(temp_dir.iterdir())

    mb = size / 1e6
    print(f"file                  {mb:.0f} MB in {sent // chunk_size + 1} chunks of "
          f"{chunk_size} bytes, progress event per percent")
    print(f"throughput            {mb / elapsed:.1f} MB/s ({elapsed:.2f} s, first chunk to "
          f"progress-100 reply)")
    print(f"server RSS            {baseline / 1024:.1f} MB before, peak {peak / 1024:.1f} MB "
          f"during (+{(peak - baseline) / 1024:.1f} MB); VmHWM {hwm / 1024:.1f} MB")
    print(f"temp file             {on_disk / 1e6:.1f} MB on disk when done; "
          f"{len(left)} file(s) left after the socket closed")
    if clicks:
        print(f"clicks while streaming {len(clicks)}: "
              f"p50 {statistics.median(clicks) * 1000:.1f} ms,"
              f" max {max(clicks) * 1000:.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=50, help="file size in MB (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        temp_dir = Path(tmp) / "upload-temp"
        temp_dir.mkdir()
        template_db = migrate_template_db(Path(tmp) / "template.sqlite3")
        factory = ServerFactory(Path(tmp), template_db)
        try:
            server = factory("daphne", settings=SETTINGS, debug=False, ready_path=PATH,
                             LIVEVIEW_UPLOAD_TEMP_DIR=temp_dir)
            await run(server.port, server.proc.pid, args.mb * 1_000_000, temp_dir)
        finally:
            factory.stop_all()


if __name__ == "__main__":
    asyncio.run(main())
