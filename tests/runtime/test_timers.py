"""schedule_info (recurring, replaced by name, no backlog) and schedule_info_once."""
from __future__ import annotations

import asyncio
import datetime
import re

import pytest

from demo_project.asgi import application
from liveview import ConnectedOnlyError, InfoEvent, UnconnectedSocket
from liveview.testing import LiveViewTestClient
from liveview.timers import Timers


# The Timers of one view, without a view ------------------------------------------------------
class Mailbox:
    def __init__(self, timers_taken: bool = True):
        self.items: list[InfoEvent] = []
        self.timers: Timers | None = None
        self.take = timers_taken

    def post(self, event: InfoEvent) -> None:
        self.items.append(event)
        if self.take and self.timers is not None:
            self.timers.taken(event)  # as the view does when it handles the tick


def make_timers(take: bool = True) -> tuple[Timers, Mailbox]:
    box = Mailbox(take)
    timers = Timers(box.post)
    box.timers = timers
    return timers, box


async def test_recurring_event_posts_every_interval_until_cancelled():
    timers, box = make_timers()
    timers.schedule(InfoEvent("tick", {"n": 1}), 0.01, repeat=True)
    await asyncio.sleep(0.065)
    assert 3 <= len(box.items) <= 7
    assert all(item == InfoEvent("tick", {"n": 1}) for item in box.items)
    timers.cancel_all()
    count = len(box.items)
    await asyncio.sleep(0.03)
    assert len(box.items) == count
    assert len(timers) == 0


async def test_scheduling_a_recurring_event_again_replaces_it():
    timers, box = make_timers()
    timers.schedule("tick", 0.01, repeat=True)
    timers.schedule(InfoEvent("tick", "second"), 10, repeat=True)
    await asyncio.sleep(0.05)
    assert box.items == []
    assert len(timers) == 1
    timers.cancel_all()


async def test_recurring_events_with_different_names_coexist():
    timers, box = make_timers()
    timers.schedule("a", 0.01, repeat=True)
    timers.schedule("b", 0.01, repeat=True)
    await asyncio.sleep(0.035)
    timers.cancel_all()
    assert {item.name for item in box.items} == {"a", "b"}


async def test_once_fires_once_and_does_not_replace_anything():
    timers, box = make_timers()
    timers.schedule("tick", 10, repeat=True)
    timers.schedule("tick", 0.01, repeat=False)
    timers.schedule("tick", 0.02, repeat=False)
    await asyncio.sleep(0.06)
    assert box.items == [InfoEvent("tick"), InfoEvent("tick")]
    assert len(timers) == 1  # the recurring one is still armed
    timers.cancel_all()


async def test_a_tick_is_skipped_while_the_previous_one_waits_in_the_mailbox():
    timers, box = make_timers(take=False)  # a view stuck in a slow handler
    timers.schedule("tick", 0.005, repeat=True)
    await asyncio.sleep(0.05)
    assert len(box.items) == 1
    timers.taken(box.items[0])  # the handler finally takes it
    await asyncio.sleep(0.02)
    assert len(box.items) == 2
    timers.cancel_all()


async def test_recurring_deadlines_do_not_drift(monkeypatch):
    # The loop's clock is set by hand, so the check holds however loaded the machine is.
    loop = asyncio.get_running_loop()
    now = [loop.time()]
    monkeypatch.setattr(loop, "time", lambda: now[0])
    timers, box = make_timers()
    start = now[0]
    timers.schedule("tick", 0.01, repeat=True)
    first = timers._recurring["tick"].when()
    assert first == start + 0.01
    info = InfoEvent("tick")
    # Each callback runs 3 ms late; the next deadline stays on the grid start + n * 0.01.
    for n in range(1, 6):
        now[0] = start + n * 0.01 + 0.003
        timers._fire(info, timers._recurring["tick"].when(), 0.01)
        assert timers._recurring["tick"].when() == pytest.approx(start + (n + 1) * 0.01, abs=1e-9)
    assert box.items == [info] * 5
    # A loop held up past the next beat skips the missed beats instead of firing a burst.
    due = timers._recurring["tick"].when()
    now[0] = due + 0.035
    timers._fire(info, due, 0.01)
    assert timers._recurring["tick"].when() == pytest.approx(now[0] + 0.01, abs=1e-9)
    assert len(box.items) == 6
    timers.cancel_all()


async def test_timedelta_is_accepted():
    timers, box = make_timers()
    timers.schedule("t", datetime.timedelta(milliseconds=10), repeat=False)
    await asyncio.sleep(0.03)
    assert box.items == [InfoEvent("t")]


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), True, "1", None])
async def test_bad_intervals_are_refused(seconds):
    timers, _ = make_timers()
    with pytest.raises(ValueError, match=rf"seconds must be a finite number >= 0.*got "
                                         rf"{re.escape(repr(seconds))}"):
        timers.schedule("t", seconds, repeat=False)


async def test_a_recurring_event_needs_a_positive_interval():
    timers, _ = make_timers()
    with pytest.raises(ValueError, match=r"schedule_info: a recurring event needs seconds > 0"):
        timers.schedule("t", 0, repeat=True)


@pytest.mark.parametrize("event", [None, 42, "", {"name": "x"}])
async def test_bad_events_are_refused(event):
    timers, _ = make_timers()
    with pytest.raises(TypeError, match=r"schedule_info_once: event must be an InfoEvent or a "
                                        r"non-empty str, got"):
        timers.schedule(event, 1, repeat=False)


# On an unconnected socket ----------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda s: s.schedule_info(InfoEvent("t"), 1),
    lambda s: s.schedule_info_once(InfoEvent("t"), 1),
    lambda s: s.subscribe("topic"),
    lambda s: s.broadcast("topic", "m"),
])
def test_connected_only_methods_name_is_connected(call):
    socket = UnconnectedSocket(view_id="phx-x")
    with pytest.raises(ConnectedOnlyError, match=r"if is_connected\(socket\):"):
        call(socket)


# Through a live view -------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def rt_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.pubsub_views"


@pytest.fixture
async def client():
    client = LiveViewTestClient(application)
    yield client
    await client.close()


def messages(client: LiveViewTestClient) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", client.html)


async def test_ticks_become_diff_pushes_and_keep_coming(client):
    await client.get("/rt/room/?every=tick&seconds=0.02")
    await client.join()
    for n in range(1, 6):
        frame = await client.receive(2)
        assert frame[3] == "diff" and frame[0] == client.join_ref
        assert messages(client) == ["tick=None"] * n


async def test_once_from_mount_and_from_an_event(client):
    await client.get("/rt/room/?once=hello")
    await client.join()
    await client.receive(2)
    assert messages(client) == ["hello=None"]
    await client.event("schedule_once", {"name": "later", "payload": "x", "seconds": "0.01"})
    await client.receive(2)
    assert messages(client) == ["hello=None", "later=x"]
    assert await client.communicator.receive_nothing(0.1)


async def test_rescheduling_from_a_handler_replaces_the_interval(client):
    await client.get("/rt/room/?every=tick&seconds=0.01")
    await client.join()
    await client.receive(2)
    # Same name, long interval: the fast rhythm stops.
    await client.event("schedule", {"name": "tick", "payload": "slow", "seconds": "30"})
    await asyncio.sleep(0.05)
    while not await client.communicator.receive_nothing(0.05):
        await client.receive()  # ticks that were already queued
    count = len(messages(client))
    assert await client.communicator.receive_nothing(0.1)
    assert len(messages(client)) == count


async def test_ticks_and_events_of_one_view_are_handled_in_order(client):
    """A slow click handler: ticks wait behind it, and no backlog builds up meanwhile."""
    await client.get("/rt/room/?every=tick&seconds=0.01")
    await client.join()
    await client.receive(2)
    before = len(messages(client))
    await client.event("slow", {"seconds": "0.3"})  # 30 ticks' worth of time
    after = len(messages(client))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 0.05
    while loop.time() < deadline:
        # (receive() timing out would cancel the application: wait with receive_nothing)
        if not await client.communicator.receive_nothing(0.01):
            await client.receive()
    # The one tick queued during the slow handler, then the normal rhythm: not a burst of ~30.
    assert len(messages(client)) - after <= 8
    assert after - before <= 3  # ticks handled before the click
