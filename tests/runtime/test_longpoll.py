"""liveview.runtime.longpoll: the LongPoll endpoint hosts the websocket's runtime over HTTP."""
from __future__ import annotations

import asyncio
import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from channels.testing import HttpCommunicator

from demo_project.asgi import application
from liveview.runtime import longpoll
from liveview.testing import LiveViewTestClient

PATH = "/live/longpoll"


@pytest.fixture(autouse=True)
def short_window(monkeypatch):
    # An empty poll waits POLL_WINDOW seconds before its 204: short, for the tests.
    monkeypatch.setattr(longpoll, "POLL_WINDOW", 0.3)


class LongPollClient:
    """What the phoenix client's LongPoll does, request by request."""

    def __init__(self, page: LiveViewTestClient, origin: str | None = "http://testserver"):
        self.page = page
        self.origin = origin
        self.token: str | None = None
        self.cookies = "; ".join(f"{name}={m.value}" for name, m in page.http.cookies.items())
        self._ref = 0

    def headers(self, **extra: str) -> list[tuple[bytes, bytes]]:
        headers = {"cookie": self.cookies, "host": "testserver", **extra}
        if self.origin is not None:
            headers["origin"] = self.origin
        return [(k.encode(), v.encode()) for k, v in headers.items()]

    def url(self) -> str:
        params = {"_csrf_token": self.page.csrf_token, "vsn": "2.0.0"}
        if self.token is not None:
            params["token"] = self.token
        return f"{PATH}?{urlencode(params)}"

    async def request(self, method: str, body: bytes = b"", **headers: str) -> dict[str, Any]:
        communicator = HttpCommunicator(application, method, self.url(), body=body,
                                        headers=self.headers(**headers))
        response = await communicator.get_response(timeout=5)
        assert response["status"] == 200, response
        assert dict(response["headers"])[b"cache-control"] == b"no-store"
        return json.loads(response["body"])

    async def connect(self) -> dict[str, Any]:
        answer = await self.request("GET")
        self.token = answer["token"]
        return answer

    async def post(self, *lines: str | list[Any]) -> dict[str, Any]:
        body = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
        return await self.request("POST", body.encode(), **{"content-type": "application/x-ndjson"})

    async def until(self, predicate) -> list[Any]:
        """Poll until a frame matches `predicate`; returns it."""
        for _ in range(20):
            answer = await self.request("GET")
            assert answer["status"] in (200, 204), answer
            for text in answer["messages"]:
                frame = json.loads(text)
                if predicate(frame):
                    return frame
        raise AssertionError("no matching frame")

    def next_ref(self) -> str:
        self._ref += 1
        return str(self._ref)

    async def join(self) -> list[Any]:
        ref = self.next_ref()
        self.join_ref = ref
        payload = {"url": self.page.url, "params": {"_csrf_token": self.page.csrf_token,
                                                     "_mounts": 0},
                   "session": self.page.session_token, "static": self.page.static_token}
        assert (await self.post([ref, ref, self.page.topic, "phx_join", payload])) == {
            "status": 200}
        return await self.until(lambda f: f[1] == ref and f[3] == "phx_reply")

    async def click(self, event: str) -> list[Any]:
        ref = self.next_ref()
        await self.post([self.join_ref, ref, self.page.topic, "event",
                         {"type": "click", "event": event, "value": {"value": ""}}])
        return await self.until(lambda f: f[1] == ref and f[3] == "phx_reply")


@pytest.fixture
async def lp(urls):
    page = LiveViewTestClient(application)
    await page.get("/counter/")
    client = LongPollClient(page)
    yield client
    await longpoll.registry().close_all()


async def test_a_session_starts_with_410_and_a_token_then_hosts_a_view(lp):
    answer = await lp.connect()
    assert answer["status"] == 410 and answer["messages"] == []
    assert isinstance(answer["token"], str) and answer["token"]

    joined = await lp.join()
    assert joined[4]["status"] == "ok", joined
    assert "rendered" in joined[4]["response"]
    reply = await lp.click("increment")
    assert reply[4]["status"] == "ok"
    assert "1" in json.dumps(reply[4]["response"]["diff"])


async def test_an_empty_poll_is_answered_204_with_the_token(lp):
    await lp.connect()
    answer = await lp.request("GET")
    assert answer == {"status": 204, "token": lp.token, "messages": []}


async def test_a_batch_is_routed_in_order_and_heartbeats_are_answered(lp):
    await lp.connect()
    await lp.join()
    await lp.post(*[[lp.join_ref, str(100 + i), lp.page.topic, "event",
                     {"type": "click", "event": "increment", "value": {}}] for i in range(3)],
                  [None, "hb", "phoenix", "heartbeat", {}])
    frames: list[Any] = []
    while len(frames) < 4:
        answer = await lp.request("GET")
        frames += [json.loads(text) for text in answer["messages"]]
    # Heartbeats are answered by the router at once, events by the view in order.
    replies = [f for f in frames if f[3] == "phx_reply" and f[2] == lp.page.topic]
    assert [f[1] for f in replies] == ["100", "101", "102"]
    assert "3" in json.dumps(replies[-1][4]["response"]["diff"])
    assert any(f[1] == "hb" for f in frames)


async def test_unknown_or_tampered_tokens_are_410(lp):
    await lp.connect()
    real = lp.token
    lp.token = real[:-2] + ("AA" if not real.endswith("AA") else "BB")
    assert await lp.request("GET") == {"status": 410, "token": None, "messages": []}
    assert await lp.post([None, "1", "phoenix", "heartbeat", {}]) == {"status": 410}
    # A well-signed token of a session that is gone (stopped, or of another process).
    await longpoll.registry().close_all()
    lp.token = real
    assert (await lp.request("GET"))["status"] == 410
    assert await lp.post([None, "1", "phoenix", "heartbeat", {}]) == {"status": 410}


async def test_a_foreign_origin_is_refused_403(urls):
    page = LiveViewTestClient(application)
    await page.get("/counter/")
    evil = LongPollClient(page, origin="https://evil.example")
    assert await evil.request("GET") == {"status": 403}
    assert not longpoll.registry().sessions


async def test_a_session_opened_without_the_csrf_cookie_cannot_join(urls):
    page = LiveViewTestClient(application)
    await page.get("/counter/")
    client = LongPollClient(page)
    client.cookies = ""  # the session's scope has no CSRF secret: the join is stale
    await client.connect()
    reply = await client.join()
    assert reply[4] == {"status": "error", "response": {"reason": "stale"}}
    await longpoll.registry().close_all()


async def test_binary_lines_are_base64_frames_and_garbage_is_dropped(lp, caplog):
    await lp.connect()
    await lp.join()
    garbage = base64.b64encode(b"\x01not a frame").decode()
    assert await lp.post(garbage, "%%% neither json nor base64 %%%",
                         [None, "hb", "phoenix", "heartbeat", {}]) == {"status": 200}
    await lp.until(lambda f: f[1] == "hb")
    assert "malformed binary frame" in caplog.text
    assert "neither a JSON frame nor base64" in caplog.text


async def test_a_body_over_the_limit_is_413(lp, settings):
    await lp.connect()
    settings.LIVEVIEW = {**settings.LIVEVIEW, "MAX_FRAME_BYTES": 1000}
    assert await lp.post("[" + "1," * 40_000 + "1]") == {"status": 413}


async def test_an_idle_session_is_stopped_with_its_views(lp, monkeypatch):
    monkeypatch.setattr(longpoll, "SESSION_IDLE", 0.2)
    await lp.connect()
    await lp.join()
    session = next(iter(longpoll.registry().sessions.values()))
    assert len(session.consumer.router.views) == 1
    await asyncio.sleep(0.5)
    assert session.closed and not session.consumer.router.views
    assert (await lp.request("GET"))["status"] == 410


async def test_a_poll_in_flight_keeps_the_session(lp, monkeypatch):
    monkeypatch.setattr(longpoll, "SESSION_IDLE", 0.2)
    monkeypatch.setattr(longpoll, "POLL_WINDOW", 0.6)
    await lp.connect()
    assert (await lp.request("GET"))["status"] == 204  # 0.6 s polling: longer than idle
    assert longpoll.registry().sessions


async def test_frames_of_a_client_that_left_mid_poll_wait_for_the_next_poll(lp):
    await lp.connect()
    session = longpoll.registry().sessions[next(iter(longpoll.registry().sessions))]
    gone: asyncio.Future = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(session.poll(5, gone))
    await asyncio.sleep(0.05)
    # The client goes away just as a frame arrives: the frame is not handed to the dead poll.
    gone.set_result(None)
    session.consumer.send_text('[null,"x","phoenix","phx_reply",{}]')
    assert await waiting == []
    answer = await lp.request("GET")
    assert answer["status"] == 200 and json.loads(answer["messages"][0])[1] == "x"


async def test_a_session_whose_client_dropped_its_poll_stops_soon(lp, monkeypatch):
    # The phoenix client aborts its poll only when it is done with the session (page gone,
    # transport failed): its views stop without waiting SESSION_IDLE, as a closed websocket's.
    monkeypatch.setattr(longpoll, "ABANDONED_GRACE", 0.1)
    await lp.connect()
    await lp.join()
    session = longpoll.registry().sessions[next(iter(longpoll.registry().sessions))]
    gone: asyncio.Future = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(session.poll(5, gone))
    await asyncio.sleep(0.05)
    gone.set_result(None)
    await waiting
    await asyncio.sleep(0.3)
    assert session.closed and not session.consumer.router.views


async def test_other_http_paths_still_reach_django(urls):
    page = LiveViewTestClient(application)
    assert "<title" in await page.get("/counter/")
    communicator = HttpCommunicator(application, "PUT", PATH)
    response = await communicator.get_response()
    assert response["status"] == 405
