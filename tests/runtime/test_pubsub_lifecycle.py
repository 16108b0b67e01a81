"""Views that go away leave nothing behind: no timers, no tasks, no group memberships."""
from __future__ import annotations

import asyncio
import time

import pytest
from channels.layers import get_channel_layer

import liveview
from demo_project.asgi import application
from liveview import pubsub
from liveview.testing import LiveViewTestClient

CYCLES = 1000


@pytest.fixture(autouse=True)
def rt_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.pubsub_views"


def live_timers(loop: asyncio.AbstractEventLoop) -> list:
    """Timer handles still armed on `loop` (asyncio keeps them in a private heap)."""
    return [h for h in getattr(loop, "_scheduled", []) if not h.cancelled()]


async def settle(check, timeout: float = 2.0):
    """Wait until `check()` is falsy (cleanup finishing on the loop); return its last value."""
    deadline = time.monotonic() + timeout
    while (value := check()) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return value


async def test_connect_subscribe_schedule_disconnect_cycles_leave_nothing_behind():
    layer = get_channel_layer()
    loop = asyncio.get_running_loop()
    topics = ["cycle:a", "cycle:b"]
    groups = {pubsub.group_name(t) for t in topics}
    me = asyncio.current_task()
    client = LiveViewTestClient(application)
    await client.get("/rt/room/?topic=cycle:a&topic=cycle:b&every=tick&seconds=30"
                     "&every=fast&seconds=0.001")
    started = time.monotonic()
    for n in range(CYCLES):
        reply = await client.join()  # connects a new websocket when none is open
        assert reply["status"] == "ok", reply
        if n == 0:  # what must be cleaned up exists while the view lives
            assert groups <= set(layer.groups)
            assert len(live_timers(loop)) >= 2
        way = n % 4
        if way == 0:      # the client leaves the topic, then the socket closes
            await client.request(client.topic, "phx_leave", {})
        elif way == 1:    # a rejoin of the same topic replaces the view
            assert (await client.join())["status"] == "ok"
        elif way == 2:    # the view navigates away (live_redirect + phx_close)
            await client.send([client.join_ref, client.next_ref(), client.topic, "event",
                               {"type": "click", "event": "navigate",
                                "value": {"to": "/rt/room/"}}])
            while (await client.receive())[3] != "phx_close":
                pass
        if n % 50 == 0:   # some traffic while the views are alive
            await liveview.broadcast("cycle:a", n)
        await client.close()  # the socket drops
    elapsed = time.monotonic() - started

    assert await settle(lambda: asyncio.all_tasks() - {me}) == set()
    assert await settle(lambda: live_timers(loop)) == []
    assert groups.isdisjoint(layer.groups), {g: layer.groups[g] for g in groups & set(layer.groups)}
    assert await settle(lambda: [c for c in layer.channels if c.startswith("specific.")]) == []
    print(f"{CYCLES} cycles in {elapsed:.1f}s")
