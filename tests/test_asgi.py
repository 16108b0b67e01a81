"""liveview.asgi.liveview_application: static files under DEBUG (as runserver serves them), the
websocket Origin check reading ALLOWED_HOSTS when a socket connects, not at import, and the
cookies, session and user in a websocket's scope."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.core.asgi import get_asgi_application
from django.test import AsyncClient
from django.urls import path

import liveview
from liveview.asgi import liveview_application

BUNDLE = Path(liveview.__file__).parent / "static" / "liveview" / "liveview.js"


@pytest.fixture
def without_whitenoise(settings):
    """The demo serves static files with WhiteNoise; a new project has no such middleware."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "whitenoise" not in m]


async def get(application, path: str) -> tuple[int, bytes]:
    """GET `path` from an ASGI application: status and the whole body (streamed or not)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    messages: list[dict] = []

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected until the response ends
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        messages.append(message)

    await asyncio.wait_for(application(scope, receive, send), timeout=10)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


async def test_debug_serves_the_client_bundle(settings, without_whitenoise):
    """`daphne`/`uvicorn mysite.asgi:application` with DEBUG on: the page's script loads."""
    settings.DEBUG = True
    status, body = await get(liveview_application(get_asgi_application()),
                             "/static/liveview/liveview.js")
    assert status == 200
    assert body == BUNDLE.read_bytes()


async def test_without_debug_static_files_are_left_to_the_deployment(settings,
                                                                     without_whitenoise):
    settings.DEBUG = False
    status, _ = await get(liveview_application(get_asgi_application()),
                          "/static/liveview/liveview.js")
    assert status == 404


async def connects(application, origin: bytes) -> bool:
    """A browser on the page at `origin` opening its websocket (same host, scheme and port)."""
    host = origin.split(b"://", 1)[1]
    communicator = WebsocketCommunicator(application, "/live/websocket?vsn=2.0.0",
                                         headers=[(b"origin", origin), (b"host", host)])
    communicator.scope["scheme"] = "wss" if origin.startswith(b"https") else "ws"
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected


async def test_origin_check_reads_allowed_hosts_at_connection(settings):
    """An application built before ALLOWED_HOSTS changes (asgi.py imported before the test
    runner adds "testserver") follows the setting as it is when the socket connects."""
    settings.ALLOWED_HOSTS = ["www.example.com"]
    application = liveview_application(get_asgi_application())
    assert await connects(application, b"https://www.example.com")
    assert not await connects(application, b"http://testserver")
    settings.ALLOWED_HOSTS = ["testserver"]
    assert await connects(application, b"http://testserver")
    assert not await connects(application, b"https://www.example.com")


async def test_debug_without_allowed_hosts_allows_local_origins_only(settings):
    """startproject's defaults (DEBUG on, ALLOWED_HOSTS empty), as Django's host check."""
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = []
    application = liveview_application(get_asgi_application())
    assert await connects(application, b"http://127.0.0.1:8000")
    assert await connects(application, b"http://localhost:8000")
    assert not await connects(application, b"http://evil.example")
    settings.DEBUG = False
    assert not await connects(application, b"http://127.0.0.1:8000")


async def _scope_probe(scope, receive, send):
    """A websocket route of the project's own: reports what the middleware put in its scope."""
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({
        "cookies": scope["cookies"], "session": await scope["session"].aget("flavour"),
        "user": scope["user"].get_username(),
        "authenticated": scope["user"].is_authenticated})})
    await receive()


@pytest.mark.django_db(transaction=True)
async def test_websocket_routes_get_the_cookies_session_and_user(settings):
    """What Channels' CookieMiddleware, SessionMiddleware and AuthMiddleware put in the scope
    (a project's own websocket routes read them), resolved when the socket opens."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = AsyncClient()
    await sync_to_async(User.objects.create_user)("ada", password="pw")
    assert await client.alogin(username="ada", password="pw")
    session = await client.asession()
    await session.aset("flavour", "mint")
    await session.asave()
    application = liveview_application(get_asgi_application(),
                                       [path("probe/", _scope_probe)])

    async def probe(cookie: str) -> dict:
        communicator = WebsocketCommunicator(application, "/probe/", headers=[
            (b"origin", b"http://testserver"), (b"host", b"testserver"),
            (b"cookie", cookie.encode())])
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        seen = json.loads(await communicator.receive_from(timeout=5))
        await communicator.disconnect()
        return seen

    key = session.session_key
    assert await probe(f"sessionid={key}; theme=dark") == {
        "cookies": {"sessionid": key, "theme": "dark"}, "session": "mint", "user": "ada",
        "authenticated": True}
    assert await probe("theme=light") == {
        "cookies": {"theme": "light"}, "session": None, "user": "", "authenticated": False}
