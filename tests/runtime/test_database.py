"""The database from LiveView code: async handlers with the async ORM, and a context holding a
lazy queryset, whose render moves to the ORM's thread by itself."""
import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.forms_auth_urls"


@pytest.fixture(autouse=True)
async def no_users():
    await User.objects.all().adelete()  # the demo user of the data migration, if still there


async def test_lazy_queryset_in_context_renders_over_http_and_live(client):
    await User.objects.acreate(username="bob")
    page = await client.get("/d/lazy/")
    assert "<ul><li>bob</li></ul>" in page
    assert (await client.join())["status"] == "ok"
    assert client.html == "<ul><li>bob</li></ul><p>0</p>"


async def test_async_orm_in_an_async_handler(client):
    await client.get("/d/lazy/")
    await client.join()
    reply = await client.click("add", name="ada")
    assert reply["status"] == "ok"
    assert client.html == "<ul><li>ada</li></ul><p>1</p>"
    await client.click("add", name="cy")
    assert client.html == "<ul><li>ada</li><li>cy</li></ul><p>2</p>"
