"""Two server processes on one Redis: a broadcast in one reaches the views of both."""
from __future__ import annotations

import asyncio
import re

import pytest

from tests.support.servers import run_manage, server_env

from .liveclient import LiveClient

pytestmark = pytest.mark.redis


def chat_lines(client: LiveClient) -> list[str]:
    return re.findall(r'<b class="name">(.*?)</b>: <span class="text">(.*?)</span>', client.html)


def here(client: LiveClient) -> int:
    return int(re.search(r'<strong id="here-count">(\d+)</strong>', client.html).group(1))


async def chat_between(a, b) -> None:
    alice = await LiveClient.open(a.port, "/chat/")
    bob = await LiveClient.open(b.port, "/chat/")
    try:
        assert (await alice.submit("send", {"name": "Alice", "message": "hello from A"})
                )["status"] == "ok"
        for client in (alice, bob):
            await client.wait_for(lambda html, c=client: ("Alice", "hello from A") in chat_lines(c))
        await bob.submit("send", {"name": "Bob", "message": "hi from B"})
        for client in (alice, bob):
            await client.wait_for(lambda html, c=client: len(chat_lines(c)) == 2)
            assert chat_lines(client) == [("Alice", "hello from A"), ("Bob", "hi from B")]
    finally:
        await alice.close()
        await bob.close()


async def test_chat_messages_cross_processes(redis_pair):
    """RedisChannelLayer, two daphne processes."""
    await chat_between(*redis_pair)


async def test_chat_on_the_pubsub_layer_across_daphne_and_uvicorn(redis_servers):
    """RedisPubSubChannelLayer, and two different servers."""
    await chat_between(*redis_servers("daphne", "uvicorn", LIVEVIEW_REDIS_LAYER="pubsub"))


async def test_broadcast_sync_from_a_management_process_reaches_both(redis_pair, redis_url):
    a, b = redis_pair
    clients = [await LiveClient.open(a.port, "/chat/"), await LiveClient.open(b.port, "/chat/")]
    try:
        code = ("import liveview; liveview.broadcast_sync('chat:lobby', "
                "{'name': 'cron', 'text': 'nightly job done', 'at': '00:00:00'})")
        env = server_env(LIVEVIEW_REDIS_URL=redis_url,
                         LIVEVIEW_REDIS_PREFIX=a.env["LIVEVIEW_REDIS_PREFIX"])
        await asyncio.to_thread(run_manage, ["shell", "-c", code], env)
        for client in clients:
            await client.wait_for(lambda html, c=client: chat_lines(c) == [("cron",
                                                                           "nightly job done")])
    finally:
        for client in clients:
            await client.close()


async def test_presence_counts_tabs_on_both_processes(redis_pair):
    a, b = redis_pair
    first = await LiveClient.open(a.port, "/presence/")
    second = await LiveClient.open(b.port, "/presence/")
    third = await LiveClient.open(b.port, "/presence/")
    tabs = [first, second, third]
    try:
        for tab in tabs:
            await tab.wait_for(lambda html, t=tab: here(t) == 3)
        await second.close()  # its view says goodbye through Redis
        for tab in (first, third):
            await tab.wait_for(lambda html, t=tab: here(t) == 2)
    finally:
        for tab in tabs:
            await tab.close()


async def test_prefixes_keep_deployments_apart(redis_pair, redis_servers):
    """Two servers on one Redis with different prefixes do not hear each other."""
    a = redis_pair[0]
    b, = redis_servers("daphne")  # this test's own prefix
    alice = await LiveClient.open(a.port, "/chat/")
    bob = await LiveClient.open(b.port, "/chat/")
    try:
        await alice.submit("send", {"name": "Alice", "message": "only on A"})
        await alice.wait_for(lambda html: len(chat_lines(alice)) == 1)
        await bob.submit("send", {"name": "Bob", "message": "only on B"})
        await bob.wait_for(lambda html: len(chat_lines(bob)) == 1)
        await asyncio.sleep(0.2)
        assert chat_lines(alice) == [("Alice", "only on A")]
        assert chat_lines(bob) == [("Bob", "only on B")]
    finally:
        await alice.close()
        await bob.close()
