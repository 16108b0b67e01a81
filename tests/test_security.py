"""liveview.security: Django's CSRF origin rule for websockets and long polling."""
import pytest
from channels.testing import WebsocketCommunicator

from liveview.security import SameOriginWebsockets, origin_allowed


def scope(origin, host="example.com:8000", scheme="ws", **headers):
    found = [(b"host", host.encode())] if host else []
    if origin is not None:
        found.append((b"origin", origin.encode()))
    found += [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": "websocket", "scheme": scheme, "headers": found}


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["example.com"]
    settings.CSRF_TRUSTED_ORIGINS = []


def test_the_site_itself_is_allowed_with_its_scheme_and_port():
    assert origin_allowed(scope("http://example.com:8000"))
    assert origin_allowed(scope("https://example.com:8000", scheme="wss"))


@pytest.mark.parametrize("origin", [
    "https://example.com:8000",  # another scheme than the request's
    "http://example.com:9000",  # another port
    "http://example.com",  # no port: not the same origin either
    "http://evil.example.net:8000",
    "null",
])
def test_anything_else_is_refused(origin):
    assert not origin_allowed(scope(origin))


def test_no_origin_is_refused_unless_optional_and_the_host_must_be_allowed():
    assert not origin_allowed(scope(None))
    assert origin_allowed(scope(None), required=False)
    assert not origin_allowed(scope("http://other.com:8000", host="other.com:8000"))


def test_trusted_origins_as_django_reads_them(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.example.org"]
    assert origin_allowed(scope("https://app.example.com"))
    assert origin_allowed(scope("https://a.b.example.org"))
    assert not origin_allowed(scope("http://a.example.org"))  # the scheme counts
    assert not origin_allowed(scope("https://example.org.evil.com"))


def test_a_tls_terminating_proxy_is_believed_as_django_believes_it(settings):
    origin = "https://example.com:8000"
    assert not origin_allowed(scope(origin, x_forwarded_proto="https"))
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert origin_allowed(scope(origin, x_forwarded_proto="https"))
    assert not origin_allowed(scope(origin, x_forwarded_proto="http"))


async def test_a_refused_websocket_is_closed_before_the_application(settings):
    reached = []

    async def application(scope, receive, send):
        reached.append(scope)

    for origin, accepted in (("http://evil.com", False), ("http://example.com:8000", True)):
        communicator = WebsocketCommunicator(
            SameOriginWebsockets(application), "/live/websocket",
            headers=[(b"host", b"example.com:8000"), (b"origin", origin.encode())])
        if accepted:
            await communicator.send_input({"type": "websocket.connect"})
            await communicator.wait()
            assert len(reached) == 1
        else:
            connected, _ = await communicator.connect()
            assert not connected and reached == []
