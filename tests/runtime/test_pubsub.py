"""Pub/sub through channel-layer groups: subscribe, broadcast, topics, msgpack, failures."""
from __future__ import annotations

import asyncio
import datetime
import gc
import logging
import re
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

import liveview
from demo_project.asgi import application
from liveview import pubsub
from liveview.testing import LiveViewTestClient, ViewCrashed

from . import pubsub_views
from .pubsub_views import INFO_LOG


@pytest.fixture(autouse=True)
def rt_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.pubsub_views"
    INFO_LOG.clear()


@pytest.fixture
async def open_room():
    """open_room(*topics) -> a joined client of RoomView subscribed to `topics`."""
    clients: list[LiveViewTestClient] = []

    async def open_room(*topics: str, **params: str) -> LiveViewTestClient:
        client = LiveViewTestClient(application)
        clients.append(client)
        query = "&".join([f"topic={_q(t)}" for t in topics]
                         + [f"{k}={_q(v)}" for k, v in params.items()])
        await client.get(f"/rt/room/?{query}")
        reply = await client.join()
        assert reply["status"] == "ok", reply
        return client

    yield open_room
    for client in clients:
        await client.close()


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


async def next_push(client: LiveViewTestClient, event: str = "diff", timeout: float = 2):
    """The next server push `event` on the client's topic (other frames are skipped)."""
    while True:
        frame = await client.receive(timeout)
        if frame[3] == event and frame[1] is None or frame[3] == event == "phx_error":
            return frame


def messages(client: LiveViewTestClient) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", client.html)


# Delivery ------------------------------------------------------------------------------------
async def test_broadcast_reaches_every_subscriber_including_the_sender(open_room):
    alice = await open_room("chat")
    bob = await open_room("chat")
    carol = await open_room("elsewhere")

    reply = await alice.event("say", {"topic": "chat", "text": "hello"})
    assert reply["status"] == "ok"
    for client in (alice, bob):
        frame = await next_push(client)
        assert frame[0] == client.join_ref, "pushes carry the channel's join_ref"
        assert frame[2] == client.topic
        assert messages(client) == ["chat=hello"]
    assert await carol.communicator.receive_nothing(0.1)


async def test_module_level_broadcast_from_async_code(open_room):
    client = await open_room("user:42")
    await liveview.broadcast("user:42", {"n": 1, "tags": ["a", "b"], "t": (1, 2)})
    await next_push(client)
    # Tuples arrive as lists, like they would through Redis.
    assert messages(client) == ["user:42={&#x27;n&#x27;: 1, &#x27;tags&#x27;: [&#x27;a&#x27;, "
                                "&#x27;b&#x27;], &#x27;t&#x27;: [1, 2]}"]


async def test_broadcast_sync_from_a_worker_thread_of_the_server_process(open_room):
    """A plain thread (not a sync_to_async worker) of the process hosting the views."""
    client = await open_room("jobs")
    errors: list[BaseException] = []

    def worker():
        try:
            liveview.broadcast_sync("jobs", "done")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    await asyncio.get_running_loop().run_in_executor(None, thread.join, 5)
    assert not errors, errors
    await next_push(client)
    assert messages(client) == ["jobs=done"]


async def test_broadcast_sync_from_sync_code_run_by_the_server(open_room):
    """A sync Django view or a signal handler runs in sync_to_async's thread."""
    client = await open_room("signals")
    await sync_to_async(liveview.broadcast_sync)("signals", "saved")
    await next_push(client)
    assert messages(client) == ["signals=saved"]


async def test_broadcast_sync_inside_the_event_loop_says_to_await_broadcast():
    with pytest.raises(RuntimeError, match=r"await liveview\.broadcast"):
        liveview.broadcast_sync("t", "x")


async def test_several_topics_on_one_view_and_one_topic_on_many_views(open_room):
    one = await open_room("a", "b")
    two = await open_room("b")
    await liveview.broadcast("a", "1")
    await liveview.broadcast("b", "2")
    await next_push(one)
    await next_push(one)
    await next_push(two)
    assert messages(one) == ["a=1", "b=2"]
    assert messages(two) == ["b=2"]


async def test_subscribing_twice_delivers_once(open_room):
    client = await open_room("dup", "dup")
    await liveview.broadcast("dup", "x")
    await next_push(client)
    assert await client.communicator.receive_nothing(0.1)
    assert messages(client) == ["dup=x"]


# Topics --------------------------------------------------------------------------------------
TOPICS = ["user:42", "chat room/1", "café ☕", "a" * 300, "x", "X", "user_42", "user.42",
          "user-42", "user 42", "日本語のトピック", "🙂", "a/b", "a_b"]


def test_group_names_are_valid_and_distinct_for_any_topic():
    layer = get_channel_layer()
    names = [pubsub.group_name(topic) for topic in TOPICS]
    assert len(set(names)) == len(TOPICS)
    for name in names:
        assert layer.require_valid_group_name(name)
        assert len(name) < 100
    assert pubsub.group_name("user:42") == pubsub.group_name("user:42")


async def test_unusual_topics_round_trip(open_room):
    topics = ["chat room/1", "café ☕", "a" * 300]
    client = await open_room(*topics)
    for topic in topics:
        await liveview.broadcast(topic, "hi")
        await next_push(client)
    assert messages(client) == [f"{t}=hi" for t in topics]


@pytest.mark.parametrize("topic", ["", None, 42, b"bytes"])
async def test_bad_topics_are_refused_with_what_was_received(topic):
    with pytest.raises((TypeError, ValueError), match="topic must be a non-empty str, got"):
        await liveview.broadcast(topic, "x")


# The msgpack rule ----------------------------------------------------------------------------
class Thing:
    pass


@pytest.mark.parametrize("message, kind", [
    ({1, 2}, "set at message"),
    (datetime.datetime(2024, 1, 1), "datetime at message"),
    ({"when": [1, datetime.date(2024, 1, 1)]}, "date at message['when'][1]"),
    (Thing(), "Thing at message"),
    ({"a": {1: "int key"}}, "int key 1 at message['a']"),
    (2 ** 70, "int 1180591620717411303424 (over 64 bits) at message"),
])
async def test_messages_that_do_not_survive_msgpack_fail_at_broadcast_time(message, kind):
    with pytest.raises(TypeError, match=rf"broadcast\('t', \.\.\.\): .*msgpack.*"
                                        rf"got {re.escape(kind)}\. Convert"):
        await liveview.broadcast("t", message)


def test_msgpack_rule_applies_to_broadcast_sync_too():
    with pytest.raises(TypeError, match="msgpack"):
        liveview.broadcast_sync("t", {1, 2})


async def test_model_instance_is_refused_on_the_in_memory_layer():
    from django.contrib.auth.models import User

    with pytest.raises(TypeError, match=r"got User at message\. Convert models"):
        await liveview.broadcast("t", User(username="u"))


async def test_refused_broadcast_inside_a_handler_crashes_only_that_view(open_room):
    client = await open_room("t")
    with pytest.raises(ViewCrashed):  # phx_error on that view's topic, no reply
        await client.event("say_object", {"topic": "t"})


async def test_without_a_channel_layer_broadcast_says_what_to_configure(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.CHANNEL_LAYERS = {}
    with pytest.raises(ImproperlyConfigured, match="set CHANNEL_LAYERS"):
        await liveview.broadcast("t", "x")


# Failures ------------------------------------------------------------------------------------
async def test_handle_info_that_raises_errors_that_view_only_and_it_remounts(open_room, caplog):
    victim = await open_room("room")

    await liveview.broadcast("room", "boom")
    frame = await next_push(victim, "phx_error")
    assert frame == [victim.join_ref, victim.join_ref, victim.topic, "phx_error", {}]
    assert "info 'room' handler raised" in caplog.text
    assert "handle_info exploded" in caplog.text  # the traceback is logged

    # The client rejoins the topic; a fresh mount subscribes again and receives.
    reply = await victim.join()
    assert reply["status"] == "ok"
    assert messages(victim) == []
    await liveview.broadcast("room", "after")
    await next_push(victim)
    assert messages(victim) == ["room=after"]


async def test_failing_subscriber_does_not_affect_the_others(open_room):
    victim = await open_room("news", "boom-only")
    bystander = await open_room("news")

    await liveview.broadcast("boom-only", "boom")
    await next_push(victim, "phx_error")
    await liveview.broadcast("news", "still here")
    await next_push(bystander)
    assert messages(bystander) == ["news=still here"]
    # The crashed view left its groups: nothing more for it until it rejoins.
    assert await victim.communicator.receive_nothing(0.1)
    layer = get_channel_layer()
    assert len(layer.groups.get(pubsub.group_name("news"), {})) == 1
    assert pubsub.group_name("boom-only") not in layer.groups


# disconnect() ---------------------------------------------------------------------------------
async def test_disconnect_runs_when_the_socket_drops_and_may_broadcast(open_room):
    watcher = await open_room("lobby")
    leaver = await open_room(farewell="lobby")
    await leaver.close()
    await next_push(watcher)
    assert messages(watcher) == [f"lobby=bye from {leaver.view_id}"]


async def test_disconnect_runs_on_phx_leave(open_room):
    watcher = await open_room("lobby")
    leaver = await open_room(farewell="lobby")
    await leaver.request(leaver.topic, "phx_leave", {})
    await next_push(watcher)
    assert messages(watcher) == [f"lobby=bye from {leaver.view_id}"]


async def test_a_failing_disconnect_is_logged_and_cleanup_goes_on(open_room, caplog):
    leaver = await open_room("t1", farewell="raise")
    await leaver.close()
    assert "disconnect() raised" in caplog.text
    assert pubsub.group_name("t1") not in get_channel_layer().groups


# Ordering ------------------------------------------------------------------------------------
async def test_info_and_events_for_one_view_are_handled_one_at_a_time_in_order(open_room):
    client = await open_room("q")
    view_id = client.view_id
    # A slow handle_info first, then client events and more messages while it runs.
    await liveview.broadcast("q", "sleep:0.2")
    await asyncio.sleep(0.02)
    ref = client.next_ref()
    await client.send([client.join_ref, ref, client.topic, "event",
                       {"type": "click", "event": "noop", "value": {}}])
    for n in range(5):
        await liveview.broadcast("q", str(n))
    # Heartbeats are answered while the view is busy.
    await client.send([None, "hb", "phoenix", "heartbeat", {}])
    frame = await client.receive()
    assert frame[1] == "hb" and frame[3] == "phx_reply"

    seen_reply = False
    while len(messages(client)) < 6 or not seen_reply:
        frame = await client.receive()
        if frame[1] == ref:
            seen_reply = True
    assert messages(client) == ["q=sleep:0.2", "q=0", "q=1", "q=2", "q=3", "q=4"]
    mine = [(name, payload, mark) for vid, name, payload, mark in INFO_LOG if vid == view_id]
    # Never two handle_info calls of one view overlapping: strictly start, end, start, end...
    assert [mark for _, _, mark in mine] == ["start", "end"] * 6


async def test_many_broadcasts_arrive_in_order_at_every_subscriber(open_room):
    clients = [await open_room("seq") for _ in range(3)]
    for n in range(50):
        await liveview.broadcast("seq", n)
    for client in clients:
        while len(messages(client)) < 50:
            await client.receive()
        assert messages(client) == [f"seq={n}" for n in range(50)]


def test_views_module_is_importable_without_side_effects():
    assert pubsub_views.urlpatterns


@pytest.mark.parametrize("layers", [
    {},  # not configured
    {"default": {"BACKEND": "no.such.Layer"}},  # broken
])
async def test_subscribing_without_a_working_layer_fails_once_and_cleanly(settings, caplog,
                                                                          layers):

    settings.CHANNEL_LAYERS = layers
    client = LiveViewTestClient(application)
    await client.get("/rt/room/?topic=t")
    with caplog.at_level(logging.ERROR):
        reply = await client.join()
        assert reply == {"status": "error", "response": {"reason": "join crashed"}}
        await client.close()
        await asyncio.sleep(0.05)
        gc.collect()  # an unretrieved task exception is reported when the task is collected
        await asyncio.sleep(0)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "handler raised" in errors[0].getMessage()
    assert "never retrieved" not in caplog.text
