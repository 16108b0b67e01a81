"""send_update from anywhere: through a pub/sub topic over Redis, to the components of views
in other processes (the todo demo subscribes its views to `todos`)."""
from __future__ import annotations

import asyncio

import pytest

from tests.support.servers import run_manage, server_env

from .liveclient import LiveClient

pytestmark = pytest.mark.redis

NOTE = '<em class="note">{}</em>'


async def test_send_update_from_a_view_reaches_rows_in_both_processes(redis_pair):
    a, b = redis_pair
    clients = [await LiveClient.open(a.port, "/todos/"), await LiveClient.open(b.port, "/todos/")]
    try:
        assert (await clients[0].push("announce", {"value": ""}))["status"] == "ok"
        for client in clients:
            await client.wait_for(lambda html: NOTE.format("Reviewed by someone") in html)
        # Only row 1 got it.
        assert clients[1].html.count('class="note"') == 1
    finally:
        for client in clients:
            await client.close()


async def test_send_update_sync_from_a_management_process(redis_pair, redis_url):
    a, b = redis_pair
    clients = [await LiveClient.open(a.port, "/todos/"), await LiveClient.open(b.port, "/todos/")]
    try:
        code = ("import liveview; liveview.send_update_sync('todos', "
                "'demo_project.demos.todos.TodoRow', id=2, note='From cron')")
        env = server_env(LIVEVIEW_REDIS_URL=redis_url,
                         LIVEVIEW_REDIS_PREFIX=a.env["LIVEVIEW_REDIS_PREFIX"])
        await asyncio.to_thread(run_manage, ["shell", "-c", code], env)
        for client in clients:
            await client.wait_for(lambda html: NOTE.format("From cron") in html)
    finally:
        for client in clients:
            await client.close()
