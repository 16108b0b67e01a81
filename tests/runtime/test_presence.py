"""Presence: track / untrack / list, joins and leaves delivered to handle_info, entries of a
stopped view removed at once, those of a silent process after three heartbeats.

Another process is simulated by a second `Tracker` on the same channel layer: it has its own
node id and reaches this process's tracker only through layer messages, as over Redis."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime

import pytest

from demo_project.asgi import application
from liveview import presence, pubsub
from liveview.exceptions import BroadcastError
from liveview.presence import PRESENCE_DIFF, Tracker
from liveview.testing import LiveViewTestClient

from . import lifecycle_views as views

HEARTBEAT = 0.2


@pytest.fixture(autouse=True)
def presence_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.lifecycle_urls"
    settings.LIVEVIEW = {**settings.LIVEVIEW, "PRESENCE_HEARTBEAT": HEARTBEAT}
    views.LOG.clear()


@pytest.fixture
async def open_view():
    clients: list[LiveViewTestClient] = []

    async def open_view(query: str) -> LiveViewTestClient:
        client = LiveViewTestClient(application)
        clients.append(client)
        await client.open(f"/lc/presence/?{query}")
        return client

    yield open_view
    for client in clients:
        await client.close()


async def until(client: LiveViewTestClient, text: str, timeout: float = 3) -> None:
    deadline = time.monotonic() + timeout
    while f"<p id='here'>{text}</p>" not in client.html:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"never showed {text!r}: {client.html}"
        await client.receive(remaining)


class Box:
    """A mailbox of a view in the simulated other process."""

    def __init__(self) -> None:
        self.events: list = []

    def post_info(self, event) -> None:
        self.events.append(event)


def diffs(key: str) -> list:
    return [entry[3:] for entry in views.LOG if entry[0] == "diff" and entry[1] == key]


async def test_two_views_see_each_other_join_and_leave(open_view):
    ann = await open_view("key=ann")
    assert "<p id='here'>annx1</p>" in ann.html
    bob = await open_view("key=bob")
    assert "<p id='here'>annx1,bobx1</p>" in bob.html
    await until(ann, "annx1,bobx1")
    await bob.close()  # the view stops: its entry leaves at once, no expiry needed
    await until(ann, "annx1")
    bob_view = bob.view_id[-4:]
    assert diffs("ann")[-2:] == [("room", {"bob": [bob_view]}, {}), ("room", {}, {"bob": [bob_view]})]
    assert diffs("ann")[0] == ("room", {"ann": [ann.view_id[-4:]]}, {})  # its own join too
    assert views.LOG[0][2] == PRESENCE_DIFF


async def test_one_key_in_two_views_and_untrack(open_view):
    first = await open_view("key=ann")
    second = await open_view("key=ann")
    await until(first, "annx2")
    await second.click("untrack", key="ann")
    await until(second, "annx1")  # its own leave arrives as a diff, like the others'
    await until(first, "annx1")
    await first.click("untrack", key="nobody")  # not tracked: nothing happens
    assert "<p id='here'>annx1</p>" in first.html


async def test_topics_are_apart(open_view):
    ann = await open_view("key=ann&topic=a")
    await open_view("key=bob&topic=b")
    await asyncio.sleep(0.05)
    await ann.click("noop")
    assert "<p id='here'>annx1</p>" in ann.html


async def test_another_process_is_seen_joining_and_expires_when_silent(open_view):
    watcher = await open_view("key=ann")
    other = Tracker(pubsub.channel_layer())
    await other.track(Box(), "room", "far", {"view": "far"})
    await until(watcher, "annx1,farx1")
    # Alive, it keeps beating: still there after several heartbeats.
    await asyncio.sleep(5 * HEARTBEAT)
    await watcher.click("noop")
    assert "<p id='here'>annx1,farx1</p>" in watcher.html
    # Killed: no goodbye, no more beats.
    other._beat.cancel()
    await pubsub.unsubscribe_all(other)
    died = time.monotonic()
    await until(watcher, "annx1", timeout=10 * HEARTBEAT)
    gone_after = time.monotonic() - died
    # Documented bound: between 2 and 4 heartbeats after its last beat (slack for load).
    assert 1.5 * HEARTBEAT <= gone_after <= 4 * HEARTBEAT + 1.0, gone_after


async def test_a_process_that_starts_following_gets_the_others_entries(open_view):
    await open_view("key=ann")
    late = Tracker(pubsub.channel_layer())
    box = Box()
    await late.subscribe(box, "room")  # says hello; this process answers with its state
    for _ in range(100):
        if box.events:
            break
        await asyncio.sleep(0.01)
    assert [list(e.payload.joins) for e in box.events] == [["ann"]]
    assert list(late.list("room")) == ["ann"]
    await late.forget(box)


async def test_a_graceful_stop_of_another_process_leaves_at_once(open_view):
    watcher = await open_view("key=ann")
    other = Tracker(pubsub.channel_layer())
    box = Box()
    await other.track(box, "room", "far", {"view": "far"})
    await until(watcher, "annx1,farx1")
    await other.forget(box)  # its view stopped: an empty state is announced
    await until(watcher, "annx1", timeout=HEARTBEAT)  # well before any expiry


async def test_metas_must_survive_msgpack():
    tracker = Tracker(pubsub.channel_layer())
    with pytest.raises(BroadcastError, match="datetime"):
        await tracker.track(Box(), "room", "ann", {"at": datetime.now()})
    with pytest.raises(TypeError, match="meta must be a dict"):
        await tracker.track(Box(), "room", "ann", ["x"])
    assert presence.list("room") == {}
