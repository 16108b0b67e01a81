"""Upload benchmark (issues 6, 16): one large file over the websocket into one daphne process,
through the temp-file path and through an upload writer (StorageWriter into the default
storage, no temp file), side by side in one run against the same server.

The client side speaks the protocol as phoenix_live_view's uploader does
(docs/internals.md, "Uploads"):
change event with the file, `allow_upload` preflight, join `lvu:<ref>` with the token, then
binary chunks of the preflight's chunk_size, each sent after the previous one's ack, and a
`progress` event whenever the whole percentage grows (the last one, 100, completes it).
Meanwhile a second task clicks a button on the same view every 50 ms, to show that the view
keeps answering while the file streams.

Printed for each path: throughput (MB/s, first chunk to the progress-100 reply), the server's
RSS before, its peak while uploading (sampled every 10 ms from /proc), click latency during the
upload, where the bytes were when done, and what is left once the socket closes (the entry is
never consumed, so both paths must delete it). The server writes each chunk as it arrives, so
the peak RSS should stay near the baseline whatever the file size. VmHWM is the process's
lifetime high-water mark.

    .venv/bin/python bench/upload.py             # 50 MB, each path
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
PATHS = {"temp file": "/t/up/big/", "writer": "/t/up/big-writer/"}
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


async def load_page(port: int, path: str) -> dict:
    status, set_cookies, body = await http_get(port, path)
    tokens, upload = page_tokens(body), _INPUT_ID.search(body)
    if not (tokens and upload):
        raise RuntimeError(f"GET {path} answered {status} with no LiveView container or file "
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


def dir_bytes(path: Path) -> tuple[int, int]:
    """(files, bytes) under `path`."""
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


async def run(port: int, pid: int, size: int, path: str, data_dir: Path) -> dict:
    page = await load_page(port, path)
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
        "url": f"{origin}{path}", "params": {"_csrf_token": page["csrf"], "_mounts": 0},
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
    _, on_disk = dir_bytes(data_dir)
    await ws.close()
    s.reader.cancel()
    await asyncio.sleep(0.5)
    left, _ = dir_bytes(data_dir)
    return {"chunks": sent // chunk_size + 1, "chunk_size": chunk_size, "elapsed": elapsed,
            "mbps": size / 1e6 / elapsed, "baseline": baseline / 1024, "peak": peak / 1024,
            "hwm": hwm / 1024, "on_disk": on_disk / 1e6, "left": left,
            "click_p50": statistics.median(clicks) * 1000 if clicks else float("nan"),
            "click_max": max(clicks) * 1000 if clicks else float("nan"), "clicks": len(clicks)}


def report(size: int, results: dict[str, dict]) -> None:
    first = next(iter(results.values()))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; file "
          f"{size / 1e6:.0f} MB in {first['chunks']} chunks of {first['chunk_size']} bytes, "
          f"a progress event per percent")
    rows = [
        ("throughput (MB/s)", lambda r: f"{r['mbps']:.1f}"),
        ("time (s)", lambda r: f"{r['elapsed']:.2f}"),
        ("server RSS before (MB)", lambda r: f"{r['baseline']:.1f}"),
        ("server RSS peak (MB)", lambda r: f"{r['peak']:.1f} (+{r['peak'] - r['baseline']:.1f})"),
        ("VmHWM (MB)", lambda r: f"{r['hwm']:.1f}"),
        ("bytes on disk when done (MB)", lambda r: f"{r['on_disk']:.1f}"),
        ("files left after close", lambda r: str(r["left"])),
        ("clicks answered while streaming", lambda r: str(r["clicks"])),
        ("click p50 / max (ms)", lambda r: f"{r['click_p50']:.1f} / {r['click_max']:.1f}"),
    ]
    print(f"{'':32}" + "".join(f"{name:>18}" for name in results))
    for label, cell in rows:
        print(f"{label:32}" + "".join(f"{cell(r):>18}" for r in results.values()))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=50, help="file size in MB (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        temp_dir, media = Path(tmp) / "upload-temp", Path(tmp) / "media"
        temp_dir.mkdir()
        media.mkdir()
        template_db = migrate_template_db(Path(tmp) / "template.sqlite3")
        factory = ServerFactory(Path(tmp), template_db)
        size = args.mb * 1_000_000
        try:
            server = factory("daphne", settings=SETTINGS, debug=False,
                             ready_path=PATHS["temp file"], LIVEVIEW_UPLOAD_TEMP_DIR=temp_dir,
                             DEMO_MEDIA_ROOT=media)
            results = {}
            for name, path in PATHS.items():
                results[name] = await run(server.port, server.proc.pid, size, path,
                                          temp_dir if name == "temp file" else media)
                if name == "writer" and dir_bytes(temp_dir)[0]:
                    raise RuntimeError("the writer path left a temp file")
            report(size, results)
        finally:
            factory.stop_all()


if __name__ == "__main__":
    asyncio.run(main())
