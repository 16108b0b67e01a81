"""Long polling behind a load balancer without sticky sessions: a session's requests reach
either process, and the one that does not hold the session forwards them over Redis."""
from __future__ import annotations

import asyncio
import http.client
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest

from liveview.testing import page_tokens

pytestmark = pytest.mark.redis


def http_request(port: int, method: str, path: str, body: bytes = b"",
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class SpreadClient:
    """The phoenix client's LongPoll, each request sent to whichever server `port` says."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.token: str | None = None
        self.ref = 0

    async def open_page(self, path: str) -> None:
        status, headers, body = await asyncio.to_thread(http_request, self.ports[0], "GET", path)
        assert status == 200
        self.tokens = page_tokens(body.decode())
        cookie = SimpleCookie(headers.get("set-cookie", ""))
        self.cookie = "; ".join(f"{k}={m.value}" for k, m in cookie.items())
        self.url = f"http://127.0.0.1:{self.ports[0]}{path}"

    async def request(self, port: int, method: str, body: bytes = b"") -> dict[str, Any]:
        params = {"_csrf_token": self.tokens.csrf_token, "vsn": "2.0.0"}
        if self.token is not None:
            params["token"] = self.token
        headers = {"cookie": self.cookie, "origin": f"http://127.0.0.1:{port}"}
        if method == "POST":
            headers["content-type"] = "application/x-ndjson"
        status, _, answer = await asyncio.to_thread(
            http_request, port, method, f"/live/longpoll?{urlencode(params)}", body, headers)
        assert status == 200
        return json.loads(answer)

    async def post(self, port: int, frame: list[Any]) -> int:
        return (await self.request(port, "POST", json.dumps(frame).encode()))["status"]

    async def reply_to(self, port: int, ref: str) -> list[Any]:
        for _ in range(10):
            answer = await self.request(port, "GET")
            assert answer["status"] in (200, 204), answer
            for text in answer["messages"]:
                frame = json.loads(text)
                if frame[1] == ref and frame[3] == "phx_reply":
                    return frame
        raise AssertionError(f"no reply to {ref}")


async def test_a_session_works_whichever_process_gets_each_request(redis_servers):
    a, b = redis_servers("daphne", "uvicorn")
    client = SpreadClient([a.port, b.port])
    await client.open_page("/counter/")
    opened = await client.request(a.port, "GET")
    assert opened["status"] == 410
    client.token = opened["token"]

    topic = f"lv:{client.tokens.view_id}"
    join = {"url": client.url, "params": {"_csrf_token": client.tokens.csrf_token, "_mounts": 0},
            "session": client.tokens.session, "static": client.tokens.static}
    assert await client.post(b.port, ["1", "1", topic, "phx_join", join]) == 200  # forwarded
    reply = await client.reply_to(b.port, "1")  # a forwarded poll
    assert reply[4]["status"] == "ok", reply

    for n, (post_to, poll_at) in enumerate([(a.port, b.port), (b.port, a.port),
                                            (b.port, b.port)], start=1):
        ref = str(10 + n)
        click = {"type": "click", "event": "increment", "value": {}}
        assert await client.post(post_to, ["1", ref, topic, "event", click]) == 200
        reply = await client.reply_to(poll_at, ref)
        assert f'"{n}"' in json.dumps(reply[4]["response"]["diff"]), reply

    for server in (a, b):
        assert "Traceback" not in server.log_text(), server.log_tail()


async def test_a_token_of_a_stopped_process_is_410_elsewhere(redis_servers):
    """The client then opens a new session (wherever it lands) and rejoins its views."""
    a, b = redis_servers("daphne", "daphne")
    client = SpreadClient([a.port, b.port])
    await client.open_page("/counter/")
    client.token = (await client.request(a.port, "GET"))["token"]
    a.stop()
    answer = await client.request(b.port, "POST", b'[null,"1","phoenix","heartbeat",{}]')
    assert answer == {"status": 410}
