"""The counter over a real websocket on the other ASGI servers the benches measure (granian,
hypercorn; docs/deployment.md, "Other ASGI servers"): join, clicks, the rendered count."""
from __future__ import annotations

import pytest

from tests.integration.liveclient import LiveClient
from tests.support.servers import MORE_SERVER_KINDS


@pytest.mark.parametrize("kind", MORE_SERVER_KINDS)
async def test_the_counter_works(server_factory, kind):
    server = server_factory(kind, debug=False)
    tab = await LiveClient.open(server.port, "/counter/")
    try:
        assert '<span id="count">0</span>' in tab.html
        for expected in (1, 2, 3):
            reply = await tab.push("increment", {"value": ""})
            assert reply["status"] == "ok"
            assert f'<span id="count">{expected}</span>' in tab.html
        await tab.push("decrement", {"value": ""})
        assert '<span id="count">2</span>' in tab.html
    finally:
        await tab.close()
