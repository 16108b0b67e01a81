"""Frames over daphne's 1 MiB websocket limit (issue 17, item 11), under both servers.

Replies are bounded by OUTBOUND_BUFFER_LIMIT alone (a larger one drops the client with 1013
and one warning line), and what clients send by MAX_FRAME_BYTES (a larger frame gets an error
reply, the socket stays): never a view crash, never a traceback."""
from __future__ import annotations

import json

import pytest

from tests.integration.liveclient import LiveClient
from tests.server.test_shutdown import closed_with
from tests.support.servers import SERVER_KINDS

SETTINGS = "tests.server.settings"


@pytest.fixture(scope="module", params=SERVER_KINDS)
def server(request, server_pool):
    return server_pool(request.param, settings=SETTINGS)


async def test_a_reply_over_one_mib_arrives(server):
    since = server.log_size()
    client = await LiveClient.open(server.port, "/t/slow/")
    reply = await client.push("big", {"size": "1200000"})  # 1.2 MB of diff
    assert reply["status"] == "ok"
    assert "x" * 1_200_000 in client.html and '<p id="count">1</p>' in client.html
    assert (await client.push("inc", {}))["status"] == "ok"  # the view goes on
    await client.close()
    assert "Traceback" not in server.log_text(since), server.log_tail(since)


async def test_a_client_frame_over_max_frame_bytes_is_refused_cleanly(server):
    since = server.log_size()
    client = await LiveClient.open(server.port, "/t/slow/")
    form = "v=" + "%C3%A9" * 200_000  # a 900 KB form escapes to 1.2 MB
    await client.ws.send(json.dumps([client.join_ref, "50", client.topic, "event",
                                     {"type": "form", "event": "inc", "value": form}]))
    while (frame := await client.receive())[1] != "50":
        pass
    assert frame[4] == {"status": "error", "response": {"reason": "frame too large"}}
    assert (await client.push("inc", {}))["status"] == "ok"  # same socket, same view
    await client.close()
    log = server.log_text(since)
    assert "refused (over MAX_FRAME_BYTES" in log and "Traceback" not in log, log


async def test_a_reply_over_the_outbound_limit_drops_the_client_in_one_line(server):
    since = server.log_size()
    client = await LiveClient.open(server.port, "/t/slow/")
    await client.ws.send(json.dumps([client.join_ref, "60", client.topic, "event",
                                     {"type": "click", "event": "big",
                                      "value": {"size": str(9 * 1024 * 1024)}}]))
    assert await closed_with(client.ws) == 1013  # the browser reconnects and rejoins
    log = server.log_text(since)
    assert "characters waiting to be sent" in log and "Traceback" not in log, log
