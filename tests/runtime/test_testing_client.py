"""LiveViewTestClient when the host it uses is not allowed: the failure names the fix."""
import pytest

from demo_project.asgi import application
from liveview.testing import LiveViewTestClient

pytestmark = pytest.mark.django_db(transaction=True)

NOT_ALLOWED = r"the host 'testserver' is not in ALLOWED_HOSTS \(\['www\.example\.com'\]\)\. "\
              r"Django's test runner and pytest-django add 'testserver'"


async def test_http_render_refused_for_the_host(settings):
    settings.ALLOWED_HOSTS = ["www.example.com"]
    client = LiveViewTestClient(application)
    with pytest.raises(AssertionError, match="^GET /counter/ answered 400: " + NOT_ALLOWED):
        await client.get("/counter/")


async def test_websocket_refused_for_the_host(settings):
    client = LiveViewTestClient(application)
    await client.get("/counter/")
    settings.ALLOWED_HOSTS = ["www.example.com"]
    with pytest.raises(AssertionError, match="^websocket connection refused: " + NOT_ALLOWED):
        await client.join()
