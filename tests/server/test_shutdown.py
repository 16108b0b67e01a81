"""Graceful shutdown under real daphne and uvicorn processes (runtime.shutdown): on SIGTERM the
handler in flight finishes and its reply arrives, joins are refused, sockets are closed with
1012 and the process exits in time, without a traceback."""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import subprocess
import time
from urllib.parse import urlencode

import pytest
import websockets

from liveview.testing import page_tokens
from tests.integration.liveclient import LiveClient, fetch_page
from tests.support.servers import RUNSERVER, SERVER_KINDS

SETTINGS = "tests.server.settings"
SLOW = 3.0  # seconds the handler in flight takes after SIGTERM arrives


async def closed_with(ws, timeout: float = 10) -> int | None:
    """Read until the server closes the websocket; its close code."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed:
        pass
    return ws.close_code


@pytest.mark.parametrize("kind", SERVER_KINDS)
async def test_sigterm_drains_then_exits(server_factory, kind):
    server = server_factory(kind, settings=SETTINGS)
    busy = await LiveClient.open(server.port, "/t/slow/")
    other = await LiveClient.open(server.port, "/t/slow/")
    await busy.ws.send(json.dumps([busy.join_ref, "7", busy.topic, "event",
                                   {"type": "click", "event": "slow",
                                    "value": {"seconds": str(SLOW)}}]))
    await asyncio.sleep(0.3)  # the handler is running
    server.proc.send_signal(signal.SIGTERM)
    await asyncio.sleep(0.3)

    # A socket with nothing in flight is closed at once (1012: the client reconnects).
    assert await closed_with(other.ws) == 1012
    # A join on a socket still draining is refused, a new websocket is closed at once.
    await busy.ws.send(json.dumps(["9", "9", "lv:another", "phx_join", {"url": "x"}]))
    refused = await busy.receive()
    assert refused[1] == "9" and refused[4] == {"status": "error",
                                                "response": {"reason": "shutting down"}}
    late = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/live/websocket?vsn=2.0.0",
        additional_headers={"Origin": server.url}, open_timeout=10)
    assert await closed_with(late) == 1012

    # The handler in flight finishes: its reply arrives, then the close.
    reply = await busy.receive(timeout=SLOW + 5)
    assert reply[1] == "7" and reply[4]["status"] == "ok", reply
    busy._apply(reply[4]["response"]["diff"])
    assert '<p id="count">1</p>' in busy.html
    assert await closed_with(busy.ws) == 1012

    try:
        await asyncio.to_thread(server.proc.wait, 10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{kind} still running 10 s after its sockets closed\n{server.log_tail()}")
    log = server.log_text()
    assert "Traceback" not in log and "ERROR" not in log, server.log_tail()
    assert "draining 2 connection(s)" in log


@pytest.mark.parametrize("kind", SERVER_KINDS)
async def test_sigterm_with_no_connection_stops_at_once(server_factory, kind):
    server = server_factory(kind, settings=SETTINGS)
    client = await LiveClient.open(server.port, "/t/slow/")  # installs the handler
    await client.close()
    await asyncio.sleep(0.2)
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(server.proc.wait, 10)
    print(f"{kind} stopped {time.monotonic() - started:.2f} s after SIGTERM")
    assert "Traceback" not in server.log_text(), server.log_tail()


async def test_runserver_stops_at_once_on_ctrl_c(server_factory):
    """`manage.py runserver` (daphne's, autoreloader on) serves from a thread: no drain is
    installed there and Ctrl-C stops it at once, even with a handler in flight."""
    server = server_factory(RUNSERVER, settings=SETTINGS)
    busy = await LiveClient.open(server.port, "/t/slow/")
    await busy.ws.send(json.dumps([busy.join_ref, "7", busy.topic, "event",
                                   {"type": "click", "event": "slow", "value": {"seconds": "30"}}]))
    await asyncio.sleep(0.3)
    os.killpg(server.proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole group
    try:
        await asyncio.to_thread(server.proc.wait, 5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"runserver still running 5 s after Ctrl-C\n{server.log_tail()}")


class LongPoll:
    """The phoenix client's LongPoll transport, request by request, over real HTTP."""

    def __init__(self, port: int, path: str):
        html, self.cookies = fetch_page(port, path)
        self.tokens = page_tokens(html)
        self.port, self.path, self.token = port, path, None
        self.origin = f"http://127.0.0.1:{port}"

    def request(self, method: str, body: str = "") -> dict:
        params = {"_csrf_token": self.tokens.csrf_token, "vsn": "2.0.0"}
        if self.token is not None:
            params["token"] = self.token
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, f"/live/longpoll?{urlencode(params)}", body=body.encode(),
                         headers={"Cookie": self.cookies, "Origin": self.origin,
                                  "Content-Type": "application/x-ndjson"})
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def post(self, *frames: list) -> dict:
        return self.request("POST", "\n".join(json.dumps(f) for f in frames))

    def until(self, ref: str) -> list:
        for _ in range(10):
            answer = self.request("GET")
            assert answer["status"] in (200, 204), answer
            for text in answer["messages"]:
                if json.loads(text)[1] == ref:
                    return json.loads(text)
        raise AssertionError(f"no frame with ref {ref}")


@pytest.mark.parametrize("kind", SERVER_KINDS)
async def test_sigterm_ends_long_poll_sessions_after_their_reply(server_factory, kind):
    server = server_factory(kind, settings=SETTINGS)
    lp = await asyncio.to_thread(LongPoll, server.port, "/t/slow/")
    lp.token = (await asyncio.to_thread(lp.request, "GET"))["token"]
    topic = f"lv:{lp.tokens.view_id}"
    await asyncio.to_thread(lp.post, ["1", "1", topic, "phx_join", {
        "url": lp.origin + "/t/slow/", "session": lp.tokens.session, "static": lp.tokens.static,
        "params": {"_csrf_token": lp.tokens.csrf_token, "_mounts": 0}}])
    assert (await asyncio.to_thread(lp.until, "1"))[4]["status"] == "ok"
    await asyncio.to_thread(lp.post, ["1", "2", topic, "event", {
        "type": "click", "event": "slow", "value": {"seconds": "2"}}])
    await asyncio.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    reply = await asyncio.to_thread(lp.until, "2")
    assert reply[4]["status"] == "ok" and "diff" in reply[4]["response"]
    try:  # the session ended: 410, the client opens one elsewhere (if the process is not gone)
        assert (await asyncio.to_thread(lp.request, "GET"))["status"] == 410
    except (ConnectionError, http.client.RemoteDisconnected):
        pass
    await asyncio.to_thread(server.proc.wait, 10)
    assert "Traceback" not in server.log_text(), server.log_tail()
