"""The real-time demos (chat, clock, who is here) through the test client."""
from __future__ import annotations

import re

import pytest

from demo_project.asgi import application
from demo_project.demos import realtime
from liveview import pubsub
from liveview.presence import Tracker
from liveview.testing import LiveViewTestClient


@pytest.fixture(autouse=True)
def demo_urls(settings):
    settings.ROOT_URLCONF = "demo_project.urls"


@pytest.fixture
async def open_page():
    clients: list[LiveViewTestClient] = []

    async def open_page(path: str) -> LiveViewTestClient:
        client = LiveViewTestClient(application)
        clients.append(client)
        await client.get(path)
        reply = await client.join()
        assert reply["status"] == "ok", reply
        return client

    yield open_page
    for client in clients:
        await client.close()


async def until(client: LiveViewTestClient, predicate, timeout: float = 3):
    """Apply pushes until `predicate(client.html)` holds."""
    while not predicate(client.html):
        await client.receive(timeout)


async def test_chat_message_reaches_every_tab_escaped(open_page):
    alice = await open_page("/chat/")
    bob = await open_page("/chat/")
    reply = await alice.submit("send", {"name": "Alice", "message": "<b>hi</b> bob"})
    assert reply["status"] == "ok"
    for client in (alice, bob):
        await until(client, lambda html: "class=\"message\"" in html)
        assert re.search(r'<b class="name">Alice</b>: <span class="text">&lt;b&gt;hi&lt;/b&gt; '
                         r'bob</span>', client.html), client.html
    # The sender's form was replaced (new id), so its message input is empty again.
    assert 'id="chat-form-1"' in alice.html
    assert 'id="chat-form-0"' in bob.html


async def test_chat_refuses_empty_and_long_messages(open_page):
    client = await open_page("/chat/")
    await client.submit("send", {"name": "A", "message": "   "})
    assert "Type a message first." in client.html
    await client.submit("send", {"name": "A", "message": "x" * 501})
    assert "at most 500 characters" in client.html
    assert await client.communicator.receive_nothing(0.05)


async def test_clock_ticks(open_page):
    client = await open_page("/clock/")
    assert '<span id="ticks">0</span>' in client.html
    await until(client, lambda html: '<span id="ticks">1</span>' in html)
    assert re.search(r'<time id="clock">\d\d:\d\d:\d\d</time>', client.html)


def here(client: LiveViewTestClient) -> int:
    return int(re.search(r'<strong id="here-count">(\d+)</strong>', client.html).group(1))


async def test_presence_counts_tabs_opening_and_closing(open_page):
    first = await open_page("/presence/")
    assert here(first) == 1
    second = await open_page("/presence/")
    await until(second, lambda html: here(second) == 2)  # the first answered the join
    await until(first, lambda html: here(first) == 2)
    third = await open_page("/presence/")
    for client in (first, second, third):
        await until(client, lambda html, c=client: here(c) == 3)
    await third.close()  # disconnect() says goodbye
    for client in (first, second):
        await until(client, lambda html, c=client: here(c) == 2)


async def test_presence_forgets_the_tabs_of_a_process_that_died(open_page, settings):
    """The tabs of a crashed process never say goodbye: they expire after three heartbeats."""
    settings.LIVEVIEW = {**settings.LIVEVIEW, "PRESENCE_HEARTBEAT": 0.1}
    watcher = await open_page("/presence/")
    other_process = Tracker(pubsub.channel_layer())  # its own node, reached through the layer

    class Tab:
        def post_info(self, event):
            pass

    await other_process.track(Tab(), realtime.PRESENCE_TOPIC, "far-away", {"user": ""})
    await until(watcher, lambda html: here(watcher) == 2)
    other_process._beat.cancel()  # killed: no more heartbeats, no goodbye
    await pubsub.unsubscribe_all(other_process)
    await until(watcher, lambda html: here(watcher) == 1)
