"""A keyed loop ({% live_key %}) end to end: the server's diffs move entries by key."""
import pytest
from django.template import Context, engines

from tests.runtime.keyed_urls import SOURCE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    """This module's URLconf, for the conftest's `client`."""
    settings.ROOT_URLCONF = "tests.runtime.keyed_urls"


def django_html(items):
    return engines["django"].from_string(SOURCE).template.render(Context({"items": items}))


async def test_keyed_list_diffs_move_entries(client):
    await client.open("/t/keyed/")
    items = [{"id": i, "title": f"Item {i}"} for i in range(1, 201)]
    assert client.html == django_html(items)

    reply = await client.event("move", {"from": "5", "to": "6"})
    assert reply["response"]["diff"] == {"0": {"k": {"5": 6, "6": 5, "km": True, "kc": 200}}}
    items.insert(6, items.pop(5))
    assert client.html == django_html(items)

    reply = await client.event("prepend", {})
    keyed = reply["response"]["diff"]["0"]["k"]
    assert keyed["0"] == {"0": "0", "1": "New &lt;item&gt;"}
    assert keyed["1"] == 0 and keyed["200"] == 199 and keyed["km"] is True
    items.insert(0, {"id": 0, "title": "New <item>"})
    assert client.html == django_html(items)

    reply = await client.event("rename", {"index": "3", "title": "Renamed"})
    assert reply["response"]["diff"] == {"0": {"k": {"3": {"1": "Renamed"}, "kc": 201}}}
    items[3] = {**items[3], "title": "Renamed"}

    await client.event("drop_first", {})
    items.pop(0)
    assert client.html == django_html(items)
