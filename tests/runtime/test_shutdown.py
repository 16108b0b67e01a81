"""Graceful shutdown in process (runtime.shutdown): the drain finishes what views were given,
answers the rest, refuses joins, and closes sockets with 1012. The real SIGTERM under daphne
and uvicorn: tests/server/test_shutdown.py."""
from __future__ import annotations

import asyncio
import logging
import signal

import pytest

from demo_project.asgi import application
from liveview import pubsub
from liveview.runtime import longpoll, shutdown
from liveview.testing import LiveViewTestClient

pytestmark = pytest.mark.django_db(transaction=True)


async def slow_click(client, seconds):
    ref = client.next_ref()
    await client.send([client.join_ref, ref, client.topic, "event",
                       {"type": "click", "event": "slow", "value": {"seconds": str(seconds)}}])
    return ref


async def test_drain_lets_the_handler_in_flight_finish_then_closes_1012(client):
    await client.open("/t/echo/")
    ref = await slow_click(client, 0.4)
    await asyncio.sleep(0.1)  # the handler is running
    draining = asyncio.ensure_future(shutdown.current().drain(5))
    reply = await client.receive()
    assert reply[1] == ref and reply[3] == "phx_reply" and reply[4]["status"] == "ok"
    closed = await client.communicator.receive_output(5)
    assert closed == {"type": "websocket.close", "code": 1012}
    await draining


async def test_drain_is_bounded_and_answers_what_it_cut_short(client):
    await client.open("/t/echo/")
    ref = await slow_click(client, 30)
    await asyncio.sleep(0.1)
    await asyncio.wait_for(shutdown.current().drain(0.3), 3)
    reply = await client.receive()
    assert reply[1] == ref and reply[4] == {"status": "error",
                                            "response": {"reason": "view stopped"}}
    assert await client.communicator.receive_output(3) == {"type": "websocket.close",
                                                           "code": 1012}


async def test_draining_refuses_joins_and_new_sockets(urls):
    first = LiveViewTestClient(application)
    await first.open("/t/echo/")
    busy = await slow_click(first, 1)
    await asyncio.sleep(0.1)
    draining = asyncio.ensure_future(shutdown.current().drain(5))
    await asyncio.sleep(0.1)
    # A second view joined on the open socket meanwhile: refused.
    await first.send(["9", "9", "lv:other", "phx_join", {"url": "http://testserver/t/echo/"}])
    refused = await first.receive()
    assert refused[4] == {"status": "error", "response": {"reason": "shutting down"}}
    assert (await first.receive())[1] == busy
    # A new websocket is accepted and closed at once: the client reconnects elsewhere.
    second = LiveViewTestClient(application)
    await second.get("/t/echo/")
    await second.connect()
    assert await second.communicator.receive_output(3) == {"type": "websocket.close",
                                                           "code": 1012}
    await draining


async def test_drain_stops_timers_and_pubsub(urls, caplog):
    clock, chat = LiveViewTestClient(application), LiveViewTestClient(application)
    await clock.open("/clock/")
    await chat.open("/chat/")
    views = [view for member in shutdown.current()._members
             for view in member.router.views.values()]
    assert len(views) == 2 and any(view.timers._recurring for view in views)
    hub = pubsub._hub()
    assert any(view in hub.topics_of for view in views)
    with caplog.at_level(logging.INFO, logger="liveview"):
        await shutdown.current().drain(1)
    assert all(view.closed and not view.timers._recurring and view not in hub.topics_of
               for view in views)
    assert "draining 2 connection(s)" in caplog.text
    assert "2 connection(s) closed" in caplog.text


def test_sigterm_handler_is_installed_in_front_of_the_servers(monkeypatch):
    calls = []
    monkeypatch.setattr(shutdown, "_previous", None)
    monkeypatch.setattr(shutdown, "_handed_over", False)
    before = signal.signal(signal.SIGTERM, lambda signum, frame: calls.append(signum))
    try:
        shutdown._install()
        assert signal.getsignal(signal.SIGTERM) is shutdown._on_sigterm
        # No loop running: nothing to drain, the server's handler gets the signal at once.
        signal.raise_signal(signal.SIGTERM)
        assert calls == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not shutdown._on_sigterm
    finally:
        signal.signal(signal.SIGTERM, before)


async def test_drain_ends_long_poll_sessions_after_their_reply(urls, monkeypatch):
    from tests.runtime.test_longpoll import LongPollClient

    monkeypatch.setattr(longpoll, "POLL_WINDOW", 0.3)
    page = LiveViewTestClient(application)
    await page.get("/t/echo/")
    lp = LongPollClient(page)
    await lp.connect()
    await lp.join()
    ref = lp.next_ref()
    await lp.post([lp.join_ref, ref, page.topic, "event",
                   {"type": "click", "event": "slow", "value": {"seconds": "0.4"}}])
    draining = asyncio.ensure_future(shutdown.current().drain(5))
    reply = await lp.until(lambda f: f[1] == ref)
    assert reply[4]["status"] == "ok"
    await draining
    assert (await lp.request("GET"))["status"] == 410  # the client opens a session elsewhere
    # Meanwhile a new session is refused (500: the client retries with its backoff).
    lp.token = None
    assert (await lp.request("GET"))["status"] == 500
