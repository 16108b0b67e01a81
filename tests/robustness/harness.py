"""What every robustness scenario shares: raw websocket clients, the watchdog, server RSS and
the server log check.

A scenario runs against a real daphne or uvicorn process (tests/support/servers.py) while a
`Watchdog` clicks a counter on the same process and times each round trip. Afterwards
`check_log` lists every traceback and ERROR line the scenario caused, except those it expects.
"""
from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import websockets

from liveview.testing import page_tokens
from tests.integration.liveclient import LiveClient, fetch_page

from .recording import PageValues, encode_binary

JOIN_TIMEOUT = 15.0
# Frames every RawSocket sent, for the figures (the runner takes the difference).
SENT = {"frames": 0}


def rss_kb(pid: int) -> int:
    """The process's resident set size (VmRSS, KiB)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def settled_rss_kb(pid: int, *, wait: float = 1.0, most: float = 6.0) -> int:
    """RSS once it stops falling (the server frees what the clients held), at most `most` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + most
    last = rss_kb(pid)
    while loop.time() < deadline:
        await asyncio.sleep(wait)
        now = rss_kb(pid)
        if now >= last - 256:
            return min(now, last)
        last = now
    return last


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class RawSocket:
    """One websocket with the tokens of a fresh page load, speaking raw frames.

    A reader task reads everything (unless `read=False`: a client that stops reading), answers
    `request()` by ref, learns upload refs and tokens for the recording's placeholders, and
    notes the close code."""

    def __init__(self, ws: Any, values: PageValues, path: str, keep_pushes: bool) -> None:
        self.ws = ws
        self.path = path
        self.keep_pushes = keep_pushes
        self.join_ref = "1"
        self.values = values
        self.received = 0
        self.last_frames: list[Any] = []
        self.pushes: list[Any] = []
        self.close_code: int | None = None
        self._waiting: dict[str, asyncio.Future] = {}
        self._pushes_awaited: list[tuple[str, str, asyncio.Future]] = []
        self._reader: asyncio.Task | None = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, port: int, path: str, *, slow: bool = False,
                   keep_pushes: bool = False) -> "RawSocket":
        """A fresh page load of `path` and its websocket. `slow`: a client that will stop
        reading (`stop_reading()`), with the smallest read buffers."""
        html, cookies = await asyncio.to_thread(fetch_page, port, path)
        tokens = page_tokens(html)
        assert tokens, f"no LiveView container on {path}"
        origin = f"http://127.0.0.1:{port}"
        query = urlencode({"_csrf_token": tokens.csrf_token, "vsn": "2.0.0"})
        extra: dict[str, Any] = {}
        if slow:
            # A client that stops reading, with a small kernel receive buffer (no autotuning):
            # what the server sends piles up on the server's side in seconds, not after 10 MB.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
            extra["sock"] = sock
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/live/websocket?{query}",
            additional_headers={"Cookie": cookies, "Origin": origin}, open_timeout=JOIN_TIMEOUT,
            max_queue=1 if slow else 64, max_size=None, **extra)
        values = PageValues(tokens.view_id, tokens.session, tokens.static, tokens.csrf_token,
                            origin)
        return cls(ws, values, path, keep_pushes)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                self.received += 1
                if isinstance(message, bytes):
                    continue
                frame = json.loads(message)
                self.values.learn(frame)
                self.last_frames = (self.last_frames + [frame])[-20:]
                if frame[3] != "phx_reply":
                    if self.keep_pushes:
                        self.pushes = (self.pushes + [frame])[-100:]
                    self._resolve_push(frame)
                future = self._waiting.pop(str(frame[1]), None) if frame[3] == "phx_reply" \
                    else None
                if future is not None and not future.done():
                    future.set_result(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"closed ({self.close_code})"))

    def _resolve_push(self, frame: list[Any]) -> None:
        for item in list(self._pushes_awaited):
            topic, event, future = item
            if frame[2] == topic and frame[3] == event:
                self._pushes_awaited.remove(item)
                if not future.done():
                    future.set_result(frame)

    def expect_push(self, topic: str, event: str) -> asyncio.Future:
        """A future for the next push of `event` on `topic` (call before provoking it)."""
        future = asyncio.get_running_loop().create_future()
        self._pushes_awaited.append((topic, event, future))
        return future

    def stop_reading(self) -> None:
        """From now on nothing is read: the server's frames pile up in the TCP buffers."""
        assert self._reader is not None
        self._reader.cancel()
        self._reader = None
        self.ws.transport.pause_reading()

    async def drain_until_closed(self, timeout: float) -> int | None:
        """Read again until the server closes; the close code, None if it never does."""
        self.ws.transport.resume_reading()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        except websockets.ConnectionClosed:
            return self.ws.close_code if self.ws.close_code is not None else 1006
        except TimeoutError:
            return None

    async def request_binary(self, join_ref: str, ref: str, topic: str, data: bytes,
                             timeout: float = JOIN_TIMEOUT) -> list[Any]:
        """Send an upload chunk and wait for its reply."""
        future = asyncio.get_running_loop().create_future()
        self._waiting[ref] = future
        SENT["frames"] += 1
        await self.ws.send(encode_binary(join_ref, ref, topic, "chunk", data))
        return await asyncio.wait_for(future, timeout)

    async def send(self, frame: str | bytes) -> bool:
        """Send; False when the connection is already closed."""
        try:
            SENT["frames"] += 1
            await self.ws.send(frame)
            return True
        except websockets.ConnectionClosed:
            return False

    async def request(self, frame: list[Any], timeout: float = JOIN_TIMEOUT) -> list[Any]:
        """Send a frame with a ref and wait for its reply."""
        future = asyncio.get_running_loop().create_future()
        self._waiting[str(frame[1])] = future
        SENT["frames"] += 1
        await self.ws.send(json.dumps(frame))
        return await asyncio.wait_for(future, timeout)

    def join_frame(self, join_ref: str, mounts: int = 0, query: str = "") -> list[Any]:
        """A join of this page's view as the client sends it (`join_ref` becomes current)."""
        self.join_ref = join_ref
        v = self.values
        return [join_ref, join_ref, f"lv:{v.view_id}", "phx_join",
                {"url": f"{v.origin}{self.path}{query}",
                 "params": {"_csrf_token": v.csrf, "_mounts": mounts, "_mount_attempts": 0},
                 "session": v.session, "static": v.static, "sticky": False}]

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.ws.close(), 5)
        except (asyncio.TimeoutError, websockets.WebSocketException, OSError):
            self.ws.transport.abort()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake (a tab killed, a cable pulled)."""
        self.ws.transport.abort()
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None


@dataclass
class Watchdog:
    """Clicks the demo counter on `port` one click after another and times each round trip.

    The count it sees must always be its number of clicks: a lost or doubled event is an
    error, as is a reply that does not come within `bound` seconds."""

    port: int
    bound: float
    pause: float = 0.05
    latencies: list[float] = field(default_factory=list)
    error: str | None = None
    _task: asyncio.Task | None = None
    _stop: bool = False

    async def start(self) -> "Watchdog":
        self.client = await LiveClient.open(self.port, "/counter/")
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        clicks = 0
        try:
            while not self._stop:
                started = time.monotonic()
                reply = await asyncio.wait_for(self.client.push("increment", {"value": ""}),
                                               self.bound)
                self.latencies.append(time.monotonic() - started)
                clicks += 1
                assert reply["status"] == "ok", reply
                shown = re.search(r'id="count">(-?\d+)<', self.client.html)
                assert shown and int(shown.group(1)) == clicks, \
                    f"the counter shows {shown and shown.group(1)} after {clicks} clicks"
                await asyncio.sleep(self.pause)
        except asyncio.TimeoutError:
            self.error = f"a click got no reply within {self.bound:.0f} s (after {clicks})"
        except Exception as exc:  # noqa: BLE001 - reported by stop()
            self.error = f"{type(exc).__name__}: {exc}"

    async def stop(self) -> None:
        self._stop = True
        if self._task is not None:
            await self._task
        await self.client.close()

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99)

    @property
    def max(self) -> float:
        return max(self.latencies, default=0.0)


# A log line that is a problem unless the scenario expects it.
_ERROR_LINE = re.compile(r"^(?:\S+ \S+ )?(?:ERROR|CRITICAL)\b|^(?:ERROR|CRITICAL):")
_TRACEBACK = "Traceback (most recent call last):"
# The last line of a traceback: the exception and its message.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Crash|Exit|Interrupt)\b")


@dataclass
class LogReport:
    tracebacks: list[str]
    errors: list[str]
    expected: int = 0  # tracebacks and ERROR lines the scenario provoked on purpose

    @property
    def problems(self) -> list[str]:
        return self.errors + self.tracebacks


def check_log(text: str, expected: list[re.Pattern[str]] | tuple = ()) -> LogReport:
    """Tracebacks and ERROR/CRITICAL lines in `text` that no `expected` pattern covers.

    An ERROR line and the traceback right after it are one record, expected when the line or
    the traceback's exception line matches a pattern (the crash of an intended exception);
    a traceback alone is judged by its exception line."""
    lines = text.splitlines()
    tracebacks: list[str] = []
    errors: list[str] = []
    expected_seen = 0
    i = 0

    def traceback_end(start: int) -> int:
        end = start + 1
        while end < len(lines) and not _EXCEPTION_LINE.match(lines[end]):
            end += 1
        return min(end, len(lines) - 1)

    def matches(line: str) -> bool:
        return any(p.search(line) for p in expected)

    while i < len(lines):
        line = lines[i]
        if _ERROR_LINE.search(line):
            follows = i + 1 < len(lines) and lines[i + 1].strip().startswith(_TRACEBACK)
            end = traceback_end(i + 1) if follows else i
            if matches(line) or (follows and matches(lines[end])):
                expected_seen += 1
            else:
                errors.append(line)
                if follows:
                    tracebacks.append("\n".join(lines[i + 1:end + 1][-12:]))
            i = end + 1
            continue
        if line.strip().startswith(_TRACEBACK):
            end = traceback_end(i)
            if matches(lines[end]):
                expected_seen += 1
            else:
                tracebacks.append("\n".join(lines[i:end + 1][-12:]))
            i = end + 1
            continue
        i += 1
    return LogReport(tracebacks, errors, expected_seen)
