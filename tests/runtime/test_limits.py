"""Bounded memory and work per view and per socket: mailbox and outbound buffer limits,
per-socket limits on views, joins and frames, answers for every request, and a shutdown that
no cancellation can leave half done."""
from __future__ import annotations

import asyncio
import json

import pytest

import liveview
from demo_project.asgi import application
from liveview import pubsub
from liveview.testing import LiveViewTestClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def room_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.pubsub_views"


@pytest.fixture
def limits(settings):
    def set_limits(**values):
        settings.LIVEVIEW = {**settings.LIVEVIEW, **values}

    return set_limits


class Stalling:
    """An ASGI wrapper whose `websocket.send` stops returning once `stall()` is called, as
    uvicorn's does for a client that stopped reading (until `release()`)."""

    def __init__(self, app):
        self.app = app
        self.stalled = False
        self._released = asyncio.Event()
        self.closed_with: list[int] = []

    def stall(self) -> None:
        self.stalled = True

    def release(self) -> None:
        self._released.set()

    async def __call__(self, scope, receive, send):
        async def stalling_send(message):
            if message["type"] == "websocket.close":
                self.closed_with.append(message.get("code"))
            if self.stalled and message["type"] == "websocket.send":
                await self._released.wait()
            await send(message)

        await self.app(scope, receive, stalling_send)


async def open_room(topic: str, app=application, client=None) -> LiveViewTestClient:
    client = client or LiveViewTestClient(app)
    await client.get(f"/rt/room/?topic={topic}")
    reply = await client.join()
    assert reply["status"] == "ok", reply
    return client


def subscribed(topic: str) -> int:
    return len(pubsub._hub().subscribers.get(topic, ()))


async def eventually(predicate, tries=500) -> None:
    for _ in range(tries):
        if predicate():
            return
        await asyncio.sleep(0.01)
    assert predicate()


async def heartbeat_ok(client: LiveViewTestClient) -> None:
    ref = client.next_ref()
    await client.send([None, ref, "phoenix", "heartbeat", {}])
    while True:
        frame = await client.receive()
        if frame[1] == ref:
            assert frame[4]["status"] == "ok"
            return


async def test_a_client_that_stops_reading_is_dropped_at_the_outbound_limit(limits):
    limits(OUTBOUND_BUFFER_LIMIT=20_000)
    app = Stalling(application)
    slow = await open_room("flood", app)
    fast = await open_room("flood")
    app.stall()
    try:
        for i in range(300):
            await liveview.broadcast("flood", f"message {i} " + "x" * 200)
            await asyncio.sleep(0)
        # The slow client's view is gone (no growing mailbox), the other one kept up.
        await eventually(lambda: subscribed("flood") == 1)
        assert app.closed_with == [1013]  # the browser reconnects and rejoins
        await heartbeat_ok(fast)
    finally:
        app.release()
        await slow.close()
        await fast.close()


async def test_an_overloaded_mailbox_restarts_the_view(limits):
    limits(MAILBOX_LIMIT=50)
    client = await open_room("busy")
    for _ in range(200):  # each message keeps handle_info busy for a while
        await liveview.broadcast("busy", "sleep:0.05")
    while (frame := await client.receive())[3] != "phx_error":
        pass
    assert frame[2] == client.topic
    await eventually(lambda: subscribed("busy") == 0)
    assert (await client.join())["status"] == "ok"  # the client rejoins, mounts afresh
    await client.close()


async def test_a_socket_joins_at_most_max_views(limits):
    limits(MAX_VIEWS_PER_SOCKET=3)
    first = await open_room("v")
    reasons = []
    for i in range(4):  # more pages of the same tab, on the same socket
        more = LiveViewTestClient(application)
        more.http, more.communicator = first.http, first.communicator
        await more.get("/rt/room/?topic=v")
        more._ref = 100 * (i + 1)
        reply = await more.join()
        reasons.append(reply["response"].get("reason") if reply["status"] != "ok" else "ok")
    assert reasons == ["ok", "ok", "too many views", "too many views"]
    assert subscribed("v") == 3
    await heartbeat_ok(first)
    await first.close()


async def test_pipelined_joins_are_limited_and_every_one_is_answered(limits):
    limits(MAX_JOINS_PER_SECOND=10)
    client = LiveViewTestClient(application)
    await client.get("/rt/room/?topic=rejoin")
    await client.connect()
    payload = {"url": client.url, "params": {"_csrf_token": client.csrf_token, "_mounts": 0},
               "session": client.session_token, "static": client.static_token}
    refs = [str(1000 + i) for i in range(200)]
    for ref in refs:
        await client.communicator.send_to(
            text_data=json.dumps([ref, ref, client.topic, "phx_join", payload]))
    replies = {}
    while len(replies) < len(refs):
        frame = await client.receive()
        if frame[3] == "phx_reply":
            replies[frame[1]] = frame[4]
    reasons = [r["response"].get("reason") for r in replies.values()]
    assert reasons.count("too many joins") >= 150
    assert sum(r["status"] == "ok" for r in replies.values()) >= 1  # the last join stands
    await eventually(lambda: subscribed("rejoin") == 1)
    await client.close()


async def test_a_client_sending_too_many_frames_is_dropped(limits):
    limits(MAX_FRAMES_PER_SECOND=50)
    app = Stalling(application)
    client = await open_room("chatty", app)
    for _ in range(300):
        await client.send([None, "hb", "phoenix", "heartbeat", {}])
    await eventually(lambda: app.closed_with == [1008])
    await eventually(lambda: subscribed("chatty") == 0)
    await client.close()


async def test_cancellations_during_shutdown_never_leave_views_running(monkeypatch):
    from tests.runtime.pubsub_views import RoomView

    async def slow_disconnect(self, socket):
        await asyncio.sleep(0.3)

    monkeypatch.setattr(RoomView, "disconnect", slow_disconnect)
    client = await open_room("left-behind")
    second = LiveViewTestClient(application)
    second.http, second.communicator = client.http, client.communicator
    await second.get("/rt/room/?topic=left-behind&every=tick&seconds=0.05")
    second._ref = 100
    assert (await second.join())["status"] == "ok"
    assert subscribed("left-behind") == 2
    communicator = client.communicator
    await communicator.send_input({"type": "websocket.disconnect", "code": 1001})
    for _ in range(3):  # as daphne cancels an application still running after its client left
        await asyncio.sleep(0.05)
        communicator.future.cancel()
    await eventually(lambda: subscribed("left-behind") == 0)
    from tests.runtime.pubsub_views import INFO_LOG
    ticks = len(INFO_LOG)
    await asyncio.sleep(0.3)
    assert len(INFO_LOG) == ticks  # no timer is still ticking


def reading_tasks() -> set[asyncio.Task]:
    """The consumers' frame-reading tasks still running."""
    return {task for task in asyncio.all_tasks()
            if task.get_name().startswith("liveview socket ") and not task.done()}


async def test_cancelling_a_connected_socket_stops_its_views_and_its_reading_task():
    # The server cancels the application's task while its client is still there (a
    # shutdown without drain, a server's own timeout): the views stop all the same, and the
    # task reading the socket's frames (under the ASGI stack's task) ends with it.
    before = reading_tasks()
    client = await open_room("cancelled-open")
    assert subscribed("cancelled-open") == 1
    assert len(reading_tasks() - before) == 1
    client.communicator.future.cancel()
    await eventually(lambda: subscribed("cancelled-open") == 0)
    await eventually(lambda: not (reading_tasks() - before))
    with pytest.raises(asyncio.CancelledError):
        await client.communicator.future


def test_the_limits_are_checked_at_startup(settings):
    from liveview.checks import check_settings

    def problems():
        return [p for p in check_settings() if p.id == "liveview.E004"]

    assert problems() == []
    settings.LIVEVIEW = {"MAILBOX_LIMIT": -1, "MAX_FRAMES_PER_SECOND": "many"}
    found = problems()
    assert [p.id for p in found] == ["liveview.E004", "liveview.E004"]
    assert "MAILBOX_LIMIT" in found[0].msg and "MAX_FRAMES_PER_SECOND" in found[1].msg
