import pytest

from demo_project.asgi import application
from liveview.testing import LiveViewTestClient


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.urls"


@pytest.fixture
def temp_dir(settings, tmp_path):
    """Upload temp files go here (UPLOAD_TEMP_DIR), so a test can check none are left."""
    path = tmp_path / "upload-temp"
    settings.LIVEVIEW = {**settings.LIVEVIEW, "UPLOAD_TEMP_DIR": str(path)}
    return path


@pytest.fixture
async def client(urls):
    client = LiveViewTestClient(application)
    yield client
    await client.close()


@pytest.fixture
def make_client(urls):
    """Several independent browsers."""
    made = []

    def make():
        client = LiveViewTestClient(application)
        made.append(client)
        return client

    yield make
    # Communicators are torn down with the event loop; nothing to await here.
