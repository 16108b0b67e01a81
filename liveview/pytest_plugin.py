"""pytest fixtures for LiveView tests (pytest-django and pytest-asyncio).

Enable them in your `conftest.py`:

    pytest_plugins = ["liveview.pytest_plugin"]

then:

    async def test_counter(live_client):
        view = await live_client("/counter/")
        assert "Count: 1" in await view.element("button", "+").click()

The plugin is opt-in (no entry point): loading it imports Django settings, which a project
without them, or with pytest-django configured later, must not get by merely installing
liveview.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable

import pytest_asyncio

from .testing import LiveViewTestClient

LiveClientFactory = Callable[..., Awaitable[LiveViewTestClient]]


@pytest_asyncio.fixture
async def live_client(transactional_db: None) -> AsyncIterator[LiveClientFactory]:
    """`await live_client(path)` opens a page (HTTP render, join) and returns its client;
    `await live_client()` returns one on no page yet (log it in, then `open`). Keyword
    arguments go to `LiveViewTestClient` (`application=`, `host=`, `timeout=`). Every client
    is closed after the test.

    The database is pytest-django's `transactional_db`: sessions and sync handlers run in
    other threads, which would not see the data of a test wrapped in a transaction.
    """
    clients: list[LiveViewTestClient] = []

    async def open_page(path: str | None = None, **kwargs: Any) -> LiveViewTestClient:
        client = LiveViewTestClient(**kwargs)
        clients.append(client)
        if path is not None:
            await client.open(path)
        return client

    yield open_page
    for client in clients:
        await client.close()


__all__ = ["live_client"]
