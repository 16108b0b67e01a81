"""Churn under real daphne and uvicorn processes (issue 17, item 12): clients connect, join,
chat (every message is pushed to every other chat tab) and leave, a third of them abruptly
mid-push, some mid-join. Nothing may be logged at ERROR, and no traceback."""
from __future__ import annotations

import asyncio
import json
import random
import time
from urllib.parse import urlencode

import pytest
import websockets

from liveview.testing import page_tokens
from tests.integration.liveclient import fetch_page
from tests.support.servers import SERVER_KINDS

CYCLES = 400  # per server
WORKERS = 12  # clients churning at once


async def cycle(port: int, page: tuple, rng: random.Random, n: int) -> None:
    tokens, cookies = page
    origin = f"http://127.0.0.1:{port}"
    query = urlencode({"_csrf_token": tokens.csrf_token, "vsn": "2.0.0"})
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/live/websocket?{query}",
                                  additional_headers={"Cookie": cookies, "Origin": origin},
                                  open_timeout=10, max_size=None)
    topic = f"lv:{tokens.view_id}"
    how = rng.choice(["leave", "abort", "abort", "close", "abort-join"])
    try:
        await ws.send(json.dumps(["1", "1", topic, "phx_join", {
            "url": origin + "/chat/", "session": tokens.session, "static": tokens.static,
            "params": {"_csrf_token": tokens.csrf_token, "_mounts": 0}}]))
        if how == "abort-join":
            ws.transport.abort()
            return
        while json.loads(await asyncio.wait_for(ws.recv(), 10))[1] != "1":
            pass
        await ws.send(json.dumps(["1", "2", topic, "event", {
            "type": "form", "event": "send", "value": urlencode({"message": f"m{n}"})}]))
        if how == "abort":  # gone while its reply and the broadcast's pushes go out
            await asyncio.sleep(rng.random() * 0.01)
            ws.transport.abort()
            return
        while json.loads(await asyncio.wait_for(ws.recv(), 10))[1] != "2":
            pass
        if how == "leave":
            await ws.send(json.dumps(["1", "3", topic, "phx_leave", {}]))
        await ws.close()
    finally:
        if how not in ("abort", "abort-join"):
            await ws.close()


@pytest.mark.parametrize("kind", SERVER_KINDS)
async def test_churn_logs_no_error(server_factory, kind):
    server = server_factory(kind)
    html, cookies = await asyncio.to_thread(fetch_page, server.port, "/chat/")
    page = (page_tokens(html), cookies)
    rng = random.Random(17)
    counter = iter(range(CYCLES))
    started = time.monotonic()

    async def worker() -> None:
        for n in counter:
            await cycle(server.port, page, rng, n)

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    elapsed = time.monotonic() - started
    await asyncio.sleep(1.5)  # daphne notices aborted connections within its checker's second
    log = server.log_text()
    print(f"{kind}: {CYCLES} cycles in {elapsed:.1f} s")
    bad = [line for line in log.splitlines()
           if "ERROR" in line or "Traceback" in line or "Exception inside" in line]
    assert not bad, server.log_tail()
