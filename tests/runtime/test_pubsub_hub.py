"""The process hub: one channel-layer channel per process, local fan-out, resilience."""
from __future__ import annotations

import asyncio
import re

import pytest
from channels.layers import get_channel_layer

import liveview
from demo_project.asgi import application
from liveview import pubsub
from liveview.testing import LiveViewTestClient


@pytest.fixture(autouse=True)
def rt_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.pubsub_views"


@pytest.fixture
async def open_room():
    clients: list[LiveViewTestClient] = []

    async def open_room(*topics: str) -> LiveViewTestClient:
        client = LiveViewTestClient(application)
        clients.append(client)
        await client.get("/rt/room/?" + "&".join(f"topic={t}" for t in topics))
        assert (await client.join())["status"] == "ok"
        return client

    yield open_room
    for client in clients:
        await client.close()


def messages(client: LiveViewTestClient) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", client.html)


async def next_diff(client: LiveViewTestClient, timeout: float = 3) -> None:
    while (await client.receive(timeout))[3] != "diff":
        pass


async def test_one_layer_message_per_process_whatever_the_number_of_views(open_room,
                                                                        monkeypatch):
    layer = get_channel_layer()
    clients = [await open_room("many") for _ in range(5)]
    assert len(layer.groups[pubsub.group_name("many")]) == 1  # the process's one channel
    sends = []
    original = layer.send

    async def counting_send(channel, message):
        sends.append(channel)
        await original(channel, message)

    monkeypatch.setattr(layer, "send", counting_send)
    await liveview.broadcast("many", "hello")
    for client in clients:
        await next_diff(client)
        assert messages(client) == ["many=hello"]
    assert len(sends) == 1


async def test_every_view_gets_its_own_copy_of_the_message(open_room):
    one, two = await open_room("copy"), await open_room("copy")
    await liveview.broadcast("copy", {"items": []})
    for client in (one, two):
        await next_diff(client)
        assert messages(client) == ["copy=items:1"]


async def test_the_reader_survives_layer_errors_and_rejoins_its_groups(open_room, monkeypatch,
                                                                      caplog):
    layer = get_channel_layer()
    original = layer.receive
    failures = []

    async def flaky_receive(channel):
        if not failures:
            failures.append(channel)
            layer.groups.clear()  # as if Redis restarted empty
            raise ConnectionError("layer unreachable")
        return await original(channel)

    monkeypatch.setattr(layer, "receive", flaky_receive)
    client = await open_room("flaky")
    for _ in range(100):
        if failures and pubsub.group_name("flaky") in layer.groups:
            break
        await asyncio.sleep(0.02)
    assert failures, "the reader never called receive"
    assert "receiving from the channel layer failed (ConnectionError: layer unreachable)" \
        in caplog.text
    await liveview.broadcast("flaky", "back")
    await next_diff(client)
    assert messages(client) == ["flaky=back"]


async def test_group_memberships_are_refreshed_before_the_layer_expires_them(settings,
                                                                            open_room):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                           "CONFIG": {"group_expiry": 1}}}
    client = await open_room("long-lived")
    await asyncio.sleep(2.5)  # well past group_expiry: without refreshes the layer drops it
    await liveview.broadcast("long-lived", "still here")
    await next_diff(client)
    assert messages(client) == ["long-lived=still here"]


async def test_hub_closes_when_the_last_view_leaves(open_room):
    client = await open_room("short")
    hub = pubsub._hub()
    assert hub.channel_name is not None and hub._reader is not None
    await client.close()
    assert hub.channel_name is None and hub._reader is None and hub.subscribers == {}


# What redis-py raises when its read timeout fires; on Python 3.11 `asyncio.timeout` turns a
# cancellation that races the timeout into this error.
from redis.exceptions import TimeoutError as _ReadTimeout  # noqa: E402


class _Sink:
    """A subscriber recording what the hub delivers."""

    def __init__(self) -> None:
        self.events: list = []

    def post_info(self, event) -> None:
        self.events.append(event)


async def test_a_reader_that_swallows_its_cancellation_never_deadlocks_the_hub(monkeypatch):
    layer = get_channel_layer()
    original = layer.receive

    async def swallowing_receive(channel):
        try:
            return await original(channel)
        except asyncio.CancelledError:
            raise _ReadTimeout("Timeout reading from 127.0.0.1:6379") from None

    monkeypatch.setattr(layer, "receive", swallowing_receive)
    first = _Sink()
    await pubsub.subscribe(first, "last-leaves")
    hub = pubsub._hub()
    reader = hub._reader
    # The last subscriber leaves: the hub closes its reader, which swallows the cancel.
    # Generous bound: this only catches a hang (the defect was a deadlock, forever).
    await asyncio.wait_for(pubsub.unsubscribe_all(first), 10)
    assert hub.channel_name is None and hub._reader is None and reader.done()
    # A later subscription gets through, and broadcasts arrive.
    second = _Sink()
    await asyncio.wait_for(pubsub.subscribe(second, "last-leaves"), 10)
    await liveview.broadcast("last-leaves", "after")
    for _ in range(200):
        if second.events:
            break
        await asyncio.sleep(0.01)
    assert [e.payload for e in second.events] == ["after"]
    await asyncio.wait_for(pubsub.unsubscribe_all(second), 10)


async def test_layer_read_timeouts_of_an_idle_hub_are_routine(open_room, monkeypatch, caplog):
    layer = get_channel_layer()
    original = layer.receive
    calls = []

    async def idle_receive(channel):
        calls.append(channel)
        if len(calls) <= 3:  # an idle Redis connection's read timeout, three times
            raise _ReadTimeout("Timeout reading from 127.0.0.1:6379")
        return await original(channel)

    monkeypatch.setattr(layer, "receive", idle_receive)
    client = await open_room("idle")
    for _ in range(200):
        if len(calls) > 3:
            break
        await asyncio.sleep(0.01)
    assert len(calls) > 3
    assert "receiving from the channel layer failed" not in caplog.text
    await liveview.broadcast("idle", "awake")
    await next_diff(client)
    assert messages(client) == ["idle=awake"]


class _Actor:
    """A subscriber that handles each message in a task of its own, as a view does, and then
    hands a frame on with one more loop turn, as a view's frame goes to its socket's writer."""

    def __init__(self, name: int, log: list, on_handle=None) -> None:
        self.name, self.log, self.on_handle = name, log, on_handle
        self.tasks: list[asyncio.Task] = []

    def post_info(self, event) -> None:
        self.log.append(("posted", self.name))
        self.tasks.append(asyncio.get_running_loop().create_task(self._handle(event)))

    async def _handle(self, event) -> None:
        self.log.append(("handled", self.name))
        if self.on_handle is not None:
            await self.on_handle()
        asyncio.get_running_loop().call_soon(self.log.append, ("sent", self.name))


async def _settle(actors) -> None:
    for _ in range(50):
        await asyncio.gather(*(t for a in actors for t in a.tasks))
        await asyncio.sleep(0)


async def test_a_large_broadcast_goes_out_in_batches_early_views_first(monkeypatch):
    monkeypatch.setattr(pubsub, "DELIVERY_BATCH", 2)
    log: list = []
    actors = [_Actor(i, log) for i in range(6)]
    for actor in actors:
        await pubsub.subscribe(actor, "batches")
    await liveview.broadcast("batches", "x")
    for _ in range(200):
        if sum(entry[0] == "sent" for entry in log) == 6:
            break
        await asyncio.sleep(0.01)
    await _settle(actors)
    # Subscribers are a set: which actor lands in which batch is not fixed, the order is.
    order = [name for kind, name in log if kind == "posted"]
    assert sorted(order) == list(range(6))
    batches = [order[0:2], order[2:4], order[4:6]]
    for earlier, later in zip(batches, batches[1:]):
        for i in earlier:
            for j in later:
                # A view of an earlier batch has handled the message and written its frame
                # before a view of the next batch handles it.
                assert log.index(("sent", i)) < log.index(("handled", j)), log
    for actor in actors:
        await pubsub.unsubscribe_all(actor)


async def test_a_view_unsubscribed_during_a_batched_broadcast_is_skipped(monkeypatch):
    monkeypatch.setattr(pubsub, "DELIVERY_BATCH", 2)
    log: list = []
    actors: list[_Actor] = []
    unsubscribed: list[int] = []

    async def unsubscribe_the_last_ones() -> None:
        # The first subscriber to handle the message unsubscribes everyone not posted yet.
        if unsubscribed:
            return
        posted = {name for kind, name in log if kind == "posted"}
        for actor in actors:
            if actor.name not in posted:
                unsubscribed.append(actor.name)
                await pubsub.unsubscribe(actor, "leaving")

    actors.extend(_Actor(i, log, unsubscribe_the_last_ones) for i in range(6))
    for actor in actors:
        await pubsub.subscribe(actor, "leaving")
    await liveview.broadcast("leaving", "x")
    for _ in range(200):
        if len(log) >= 3 * (6 - len(unsubscribed)) and unsubscribed:
            break
        await asyncio.sleep(0.01)
    await _settle(actors)
    assert len(unsubscribed) == 4  # two were posted in the first batch
    posted = [name for kind, name in log if kind == "posted"]
    assert sorted(posted + unsubscribed) == list(range(6))
    for actor in actors:
        await pubsub.unsubscribe_all(actor)


async def test_batched_broadcasts_arrive_whole_and_in_order_at_every_view(open_room,
                                                                         monkeypatch):
    monkeypatch.setattr(pubsub, "DELIVERY_BATCH", 2)
    clients = [await open_room("ordered") for _ in range(5)]
    for n in range(4):
        await liveview.broadcast("ordered", f"m{n}")
    for client in clients:
        for _ in range(4):
            await next_diff(client)
        assert messages(client) == [f"ordered=m{n}" for n in range(4)]
