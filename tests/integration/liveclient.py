"""A LiveView client over a real TCP websocket (the `websockets` package), for tests against
server processes: GET the page, connect with its cookies, join, apply diffs like the browser.
"""
from __future__ import annotations

import asyncio
import http.client
import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import websockets

from liveview.core.tree import merge_diff, tree_to_html
from liveview.testing import page_tokens



def fetch_page(port: int, path: str) -> tuple[str, str]:
    """GET `path`; (html, Cookie header value)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise AssertionError(f"GET {path} on port {port} answered {response.status}")
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return body, "; ".join(f"{k}={m.value}" for k, m in jar.items())
    finally:
        conn.close()


class LiveClient:
    """One browser tab: one websocket, one joined LiveView."""

    def __init__(self, port: int, path: str):
        self.port = port
        self.path = path
        self.ws: Any = None
        self.tree: dict[str, Any] | None = None
        self.join_ref = "1"
        self._ref = 1
        self.topic = ""

    @classmethod
    async def open(cls, port: int, path: str) -> "LiveClient":
        client = cls(port, path)
        await client.connect()
        return client

    async def connect(self) -> None:
        html, cookies = await asyncio.to_thread(fetch_page, self.port, self.path)
        tokens = page_tokens(html)
        assert tokens, f"no LiveView container on {self.path}"
        origin = f"http://127.0.0.1:{self.port}"
        query = urlencode({"_csrf_token": tokens.csrf_token, "vsn": "2.0.0"})
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/live/websocket?{query}",
            additional_headers={"Cookie": cookies, "Origin": origin}, open_timeout=10,
            max_size=None)  # a browser takes a message of any size
        self.topic = f"lv:{tokens.view_id}"
        await self.ws.send(json.dumps([
            self.join_ref, self.join_ref, self.topic, "phx_join",
            {"url": origin + self.path,
             "params": {"_csrf_token": tokens.csrf_token, "_mounts": 0, "_mount_attempts": 0},
             "session": tokens.session, "static": tokens.static,
             "sticky": False}]))
        while True:
            frame = await self.receive()
            if frame[1] == self.join_ref and frame[3] == "phx_reply":
                assert frame[4]["status"] == "ok", frame
                self.tree = None
                self._apply(frame[4]["response"]["rendered"])
                return

    async def receive(self, timeout: float = 10) -> list[Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        if frame[3] == "diff":
            self._apply(frame[4])
        return frame

    async def push(self, event: str, value: Any, type: str = "click") -> dict[str, Any]:
        """Send an event and wait for its reply (pushes received meanwhile are applied)."""
        self._ref += 1
        ref = str(self._ref)
        await self.ws.send(json.dumps([self.join_ref, ref, self.topic, "event",
                                       {"type": type, "event": event, "value": value}]))
        while True:
            frame = await self.receive()
            if frame[1] == ref and frame[3] == "phx_reply":
                reply = frame[4]
                if reply["status"] == "ok" and "diff" in reply["response"]:
                    self._apply(reply["response"]["diff"])
                return reply

    async def submit(self, event: str, form: dict[str, str]) -> dict[str, Any]:
        return await self.push(event, urlencode(form), type="form")

    async def wait_for(self, predicate, timeout: float = 10) -> None:
        """Apply pushes until `predicate(self.html)` holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self.html):
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out on {self.topic} ({self.port}); html:\n"
                                     f"{self.html}")
            try:
                await self.receive(left)
            except asyncio.TimeoutError:
                pass

    def _apply(self, diff: dict[str, Any]) -> None:
        diff = {k: v for k, v in diff.items() if k not in ("t", "e", "r")}
        self.tree = merge_diff(self.tree, diff)  # resolves shared component statics too

    @property
    def html(self) -> str:
        assert self.tree is not None
        return tree_to_html(self.tree)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None
