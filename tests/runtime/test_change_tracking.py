"""Change tracking end to end: in-place edits reach the page, unchanged parts are not rendered."""
import pytest
from django.template import Context

from tests.runtime.tracking_urls import CALLS, TEMPLATE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    """This module's URLconf, for the conftest's `client`."""
    settings.ROOT_URLCONF = "tests.runtime.tracking_urls"


def django_html(count, rows, extra):
    return TEMPLATE.render(Context({"count": count, "rows": rows, "extra": extra}))


@pytest.mark.parametrize("path", ["/t/tracked/", "/t/tracked-dataclass/"])
async def test_in_place_edits_are_rendered(client, path):
    await client.open(path)
    rows = [{"name": f"row {i}", "tags": []} for i in range(5)]
    count, extra = 0, []
    assert client.html == django_html(count, rows, extra)

    await client.click("inc")
    count += 1
    assert client.html == django_html(count, rows, extra)

    await client.event("rename", {"index": "2", "name": "<renamed>"})
    rows[2]["name"] = "<renamed>"
    assert client.html == django_html(count, rows, extra)

    await client.event("tag", {"index": "4", "tag": "t1"})  # two levels down
    rows[4]["tags"].append("t1")
    assert client.html == django_html(count, rows, extra)

    await client.event("alias", {"value": "x"})  # through another reference
    extra.append("x")
    assert client.html == django_html(count, rows, extra)


async def test_a_click_does_not_render_the_unchanged_rows(client):
    await client.open("/t/tracked/")
    CALLS["counted"] = 0
    reply = await client.click("inc")
    assert reply["response"]["diff"] == {"0": "1"}
    assert CALLS["counted"] == 0
    await client.event("rename", {"index": "1", "name": "new"})
    assert CALLS["counted"] == 1  # that row only


async def test_tracking_can_be_turned_off(client, settings):
    settings.LIVEVIEW = {"CHANGE_TRACKING": False}
    await client.open("/t/tracked/")
    CALLS["counted"] = 0
    await client.click("inc")
    assert CALLS["counted"] == 5
