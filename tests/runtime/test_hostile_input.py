"""Hostile and broken input at the edge, and views whose transport fails: every client frame
is validated before a handler runs, outbound text is always encodable, and a view that cannot
send any more stops (unsubscribed at once) instead of lingering as a zombie."""
from __future__ import annotations

import asyncio
import json

import pytest

from demo_project.asgi import application
from liveview import pubsub
from liveview.testing import LiveViewTestClient

pytestmark = pytest.mark.django_db(transaction=True)


def strict_text(app):
    """`app` behind a send that encodes text frames to UTF-8 first, as real servers do (a lone
    surrogate raises there, as it does in daphne and uvicorn)."""

    async def wrapped(scope, receive, send):
        async def strict_send(message):
            if message.get("text") is not None:
                message["text"].encode("utf-8")
            await send(message)

        await app(scope, receive, strict_send)

    return wrapped


@pytest.fixture(autouse=True)
def room_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.pubsub_views"


@pytest.fixture
async def room():
    clients: list[LiveViewTestClient] = []

    async def open_room(topic: str, app=None) -> LiveViewTestClient:
        client = LiveViewTestClient(app or strict_text(application))
        clients.append(client)
        await client.open(f"/rt/room/?topic={topic}")
        return client

    yield open_room
    for client in clients:
        await client.close()


async def heartbeat_ok(client: LiveViewTestClient) -> None:
    ref = client.next_ref()
    await client.send([None, ref, "phoenix", "heartbeat", {}])
    while True:
        frame = await client.receive()
        if frame[1] == ref:
            assert frame[4]["status"] == "ok"
            return


async def subscribed(topic: str) -> int:
    return len(pubsub._hub().subscribers.get(topic, ()))


@pytest.mark.parametrize("field", ["ref", "join_ref", "event"])
async def test_a_lone_surrogate_in_a_frame_head_is_dropped_and_the_view_lives_on(room, field):
    client = await room("surrogate")
    frame = [client.join_ref, "9", client.topic, "event",
             {"type": "click", "event": "say", "value": {"topic": "surrogate", "text": "x"}}]
    frame[{"join_ref": 0, "ref": 1, "event": 3}[field]] = "\ud800"
    await client.communicator.send_to(text_data=json.dumps(frame))  # "\ud800" escaped
    await heartbeat_ok(client)
    # The view still answers (it was a zombie: no reply, no phx_error, still subscribed).
    reply = await client.event("say", {"topic": "surrogate", "text": "fine"})
    assert reply["status"] == "ok"
    assert await subscribed("surrogate") == 1


async def test_a_lone_surrogate_in_a_token_is_a_clean_refusal(room):
    client = LiveViewTestClient(strict_text(application))
    await client.get("/rt/room/?topic=t")
    reply = await client.join(session=client.session_token[:-3] + "\ud800ab")
    assert reply == {"status": "error", "response": {"reason": "stale"}}
    await heartbeat_ok(client)
    await client.close()


async def test_text_the_server_renders_is_always_encodable(room, monkeypatch):
    from tests.runtime.pubsub_views import RoomView

    client = await room("render")

    async def echo(self, event, payload, socket):
        text = payload["text"] + "\udc00"  # a handler may make a lone surrogate itself
        socket.context["messages"].append(text)
        await socket.push_event("echo", {"text": text})

    monkeypatch.setattr(RoomView, "handle_event", echo)
    # A lone surrogate inside a client value arrives as U+FFFD (as UTF-8 decoding makes it).
    reply = await client.event("say", {"text": "a\udc00b"})
    assert reply["status"] == "ok"
    assert "<li>a\ufffdb\udc00</li>" in client.html  # sent escaped, decoded back


async def test_views_stop_and_unsubscribe_at_once_when_their_socket_cannot_send(room):
    broken = {"on": False}

    def breakable(app):
        async def wrapped(scope, receive, send):
            async def maybe_failing_send(message):
                if broken["on"] and message.get("text", "").find('"lv:') >= 0:
                    raise OSError("transport gone")
                await send(message)

            await app(scope, receive, maybe_failing_send)

        return wrapped

    client = await room("dead-transport", app=breakable(application))
    assert await subscribed("dead-transport") == 1
    broken["on"] = True
    await client.send([client.join_ref, client.next_ref(), client.topic, "event",
                       {"type": "click", "event": "noop", "value": {}}])
    for _ in range(300):  # without waiting for a disconnect that may never come
        if await subscribed("dead-transport") == 0:
            break
        await asyncio.sleep(0.01)
    assert await subscribed("dead-transport") == 0


async def test_a_view_whose_crash_cannot_be_reported_still_stops(room, monkeypatch):
    from liveview.runtime.outbound import Outbound

    client = await room("crash-unreported")

    def failing_error(self):
        raise OSError("cannot send phx_error")

    monkeypatch.setattr(Outbound, "error", failing_error)
    await client.send([client.join_ref, client.next_ref(), client.topic, "event",
                       {"type": "click", "event": "say", "value": {}}])  # KeyError: crash
    for _ in range(300):
        if await subscribed("crash-unreported") == 0:
            break
        await asyncio.sleep(0.01)
    assert await subscribed("crash-unreported") == 0
    await heartbeat_ok(client)


@pytest.mark.parametrize("event, payload", [
    ("event", {"type": "form", "event": "say", "value": "", "uploads": ["x"]}),
    ("live_patch", {"url": ["http://testserver/"]}),
    ("progress", {"ref": "x", "entry_ref": "0", "progress": "100"}),
    ("allow_upload", {"ref": "x", "entries": {"0": {}}}),
    ("cids_destroyed", {"cids": [{"a": 1}]}),
])
async def test_a_malformed_message_is_refused_at_the_edge_before_its_handler(room, event,
                                                                             payload, caplog):
    client = await room("edge")
    reply = await client.request(client.topic, event, payload, join_ref=client.join_ref)
    assert reply["status"] == "error" and reply["response"]["reason"].startswith("invalid ")
    assert "Traceback" not in caplog.text
    reply = await client.event("say", {"topic": "edge", "text": "still here"})
    assert reply["status"] == "ok"
