"""Bad input and failing handlers: clean rejections, logged, nothing else disturbed."""
import json
import logging

import pytest

from liveview.testing import ViewCrashed

pytestmark = pytest.mark.django_db(transaction=True)


async def joined(client, path="/t/echo/"):
    await client.open(path)
    return client


async def heartbeat_ok(client):
    ref = client.next_ref()
    await client.send([None, ref, "phoenix", "heartbeat", {}])
    frame = await client.receive()
    assert frame[1] == ref and frame[4]["status"] == "ok"


async def test_handler_exception_errors_only_that_view(make_client, caplog):
    first, second = make_client(), make_client()
    await joined(first)
    second.http, second.communicator = first.http, first.communicator
    await second.get("/counter/")
    second._ref = 100
    await second.join()

    ref = first.next_ref()
    with caplog.at_level(logging.ERROR, logger="liveview"):
        await first.send([first.join_ref, ref, first.topic, "event",
                          {"type": "click", "event": "boom", "value": {}}])
        error = await first.receive()
    # phx_error only, as Phoenix: no reply to the crashed request (the client would log
    # "Failed to push event", and a crashed live_patch would reload the old URL).
    assert error == [first.join_ref, first.join_ref, first.topic, "phx_error", {}]
    assert "handler exploded" not in json.dumps(error)
    # One ERROR line with the view, the event and the exception; no traceback (DEBUG is off).
    crashes = [r for r in caplog.records if "handler raised" in r.getMessage()]
    assert len(crashes) == 1 and crashes[0].levelno == logging.ERROR
    assert crashes[0].getMessage() == (
        f"{first.topic}: EchoView event 'boom' handler raised RuntimeError: handler exploded; "
        f"restarting the view")
    assert not crashes[0].exc_info and "Traceback" not in caplog.text
    # The other view on the socket carries on; the failed one can be rejoined (remounted).
    await second.click("increment")
    assert '<span id="count">1</span>' in second.html
    assert (await first.join())["status"] == "ok"
    await first.click("inc")
    assert "<p id='n'>1</p>" in first.html
    await first.close()


async def test_handler_timeout_is_a_crash(client, settings):
    settings.LIVEVIEW = {"HANDLER_TIMEOUT": 0.2}
    await joined(client)
    ref = client.next_ref()
    await client.send([client.join_ref, ref, client.topic, "event",
                       {"type": "click", "event": "slow", "value": {"seconds": "5"}}])
    assert (await client.receive())[3] == "phx_error"


async def test_the_handler_timeout_counts_from_each_handlers_start(client, settings, caplog):
    """One timer watches a view's handlers: when it fires for an earlier handler's deadline
    while a later one runs, that one is not cut short; past its own deadline it is."""
    import asyncio

    settings.LIVEVIEW = {"HANDLER_TIMEOUT": 1.0}
    await joined(client)
    await client.click("inc")  # arms the timer: it fires 1 s from now
    await asyncio.sleep(0.6)
    # Runs from 0.6 s to 1.2 s, its deadline at 1.6 s: the timer fires meanwhile, re-arms.
    assert (await client.click("slow", seconds="0.6"))["status"] == "ok"
    await asyncio.sleep(0.5)  # the re-armed timer finds the view idle: it is gone
    await client.click("inc")  # a new timer, 1 s from now
    await asyncio.sleep(0.6)
    # Still running when that timer fires: it re-arms for this handler's own deadline.
    ref = client.next_ref()
    await client.send([client.join_ref, ref, client.topic, "event",
                       {"type": "click", "event": "slow", "value": {"seconds": "5"}}])
    assert (await client.receive())[3] == "phx_error"
    assert "'slow' handler still running after 1.0s; restarting the view" in caplog.text


async def test_mount_exception_is_a_join_error(client, monkeypatch):
    from tests.runtime.views import EchoView

    await client.get("/t/echo/")

    async def broken_mount(self, socket, session):
        raise ValueError("nope")

    monkeypatch.setattr(EchoView, "mount", broken_mount)
    reply = await client.join()
    assert reply == {"status": "error", "response": {"reason": "join crashed"}}
    await heartbeat_ok(client)


async def test_unknown_topic_is_unmatched(client):
    await client.get("/counter/")
    await client.connect()
    reply = await client.request("lv:phx-nothere", "event", {"event": "x"}, join_ref="1")
    assert reply == {"status": "error", "response": {"reason": "unmatched topic"}}
    reply = await client.request("weird", "anything", {})
    assert reply["response"] == {"reason": "unmatched topic"}


async def test_unknown_and_reserved_events_are_refused(client):
    await joined(client)
    reply = await client.request(client.topic, "frobnicate", {})
    assert reply["status"] == "error"
    reply = await client.event("lv:anything", {})
    assert reply["status"] == "error"
    reply = await client.event(None, {})
    assert reply["status"] == "error"
    await client.click("inc")
    assert "<p id='n'>1</p>" in client.html


@pytest.mark.parametrize("text", [
    "not json", "{}", "[1,2,3]", '["1","2","lv:x","event","payload"]',
    '[1,"2","lv:x","event",{}]', '["1","2",3,"event",{}]', "[" * 10000,
])
async def test_malformed_frames_are_dropped_and_the_socket_survives(client, text, caplog):
    await joined(client)
    with caplog.at_level(logging.WARNING, logger="liveview"):
        await client.communicator.send_to(text_data=text)
        await heartbeat_ok(client)
    assert any("malformed" in r.getMessage() for r in caplog.records)
    await client.click("inc")
    assert "<p id='n'>1</p>" in client.html


async def test_malformed_binary_frames_are_dropped(client):
    await joined(client)
    for data in (b"\x00", b"\x01\x00\x00\x00\x00", b"\x00\x05\x01\x01\x01ab", b"\x00\x01\x00\x00\x00\xff"):
        await client.communicator.send_to(bytes_data=data)
    await heartbeat_ok(client)


async def test_oversized_frame_is_refused_with_an_error_reply(client, settings):
    settings.LIVEVIEW = {"MAX_FRAME_BYTES": 1000}
    await joined(client)
    await client.send([client.join_ref, "big", client.topic, "event",
                       {"type": "form", "event": "save", "value": "x=" + "a" * 2000}])
    frame = await client.receive()
    assert frame == [client.join_ref, "big", client.topic, "phx_reply",
                     {"status": "error", "response": {"reason": "frame too large"}}]
    await client.click("inc")
    assert "<p id='n'>1</p>" in client.html


async def test_unserialisable_push_event_is_a_logged_crash(client, monkeypatch):
    from tests.runtime.views import EchoView

    await joined(client)

    async def bad(self, event, payload, socket):
        await socket.push_event("x", {"when": object()})

    monkeypatch.setattr(EchoView, "handle_event", bad)
    with pytest.raises(ViewCrashed):
        await client.click("anything")


async def test_handler_crash_traceback_with_debug_on(client, settings, caplog):
    """settings.DEBUG on (development): the crash line carries the traceback."""
    settings.DEBUG = True
    await joined(client)
    with caplog.at_level(logging.ERROR, logger="liveview"):
        await client.send([client.join_ref, client.next_ref(), client.topic, "event",
                           {"type": "click", "event": "boom", "value": {}}])
        assert (await client.receive())[3] == "phx_error"
    crashes = [r for r in caplog.records if "handler raised" in r.getMessage()]
    assert len(crashes) == 1 and crashes[0].exc_info
    assert "Traceback" in caplog.text and "handler exploded" in caplog.text
