"""Streams over the socket: what goes on the wire, what the client shows, what the server keeps."""
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def client(settings):
    from demo_project.asgi import application
    from liveview.testing import LiveViewTestClient

    settings.ROOT_URLCONF = "tests.runtime.stream_views"
    client = LiveViewTestClient(application)
    yield client
    await client.close()


def rows(client):
    return re.findall(r'<li id="(rows-\d+)">([^<]*)</li>', client.html)


async def test_the_first_render_and_the_join_insert_every_streamed_item(client):
    html = await client.get("/t/stream/")
    assert re.findall(r'<li id="(rows-\d+)">', html) == ["rows-1", "rows-2", "rows-3"]
    reply = await client.join()
    stream = reply["response"]["rendered"]["1"]
    assert stream["stream"] == ["0", [["rows-1", -1, None, False], ["rows-2", -1, None, False],
                                      ["rows-3", -1, None, False]], []]
    assert stream["k"]["kc"] == 3
    assert rows(client) == [("rows-1", "row 1"), ("rows-2", "row 2"), ("rows-3", "row 3")]


async def test_each_operation_sends_only_itself(client):
    await client.open("/t/stream/")
    reply = await client.click("prepend", n="9")
    assert reply["response"]["diff"] == {"1": {"k": {"0": {"0": "rows-9", "1": "row 9"},
                                                     "kc": 1},
                                               "stream": ["0", [["rows-9", 0, None, False]],
                                                          []]}}
    reply = await client.click("delete", n="2")
    assert reply["response"]["diff"] == {"1": {"k": {"kc": 0},
                                               "stream": ["0", [], ["rows-2"]]}}
    assert rows(client) == [("rows-9", "row 9"), ("rows-1", "row 1"), ("rows-3", "row 3")]
    # An unrelated change sends nothing for the stream, and the items stay.
    reply = await client.click("title", title="new")
    assert reply["response"]["diff"] == {"0": "new"}
    assert len(rows(client)) == 3


async def test_insert_of_a_known_dom_id_updates_in_place_and_update_only_never_adds(client):
    await client.open("/t/stream/")
    await client.click("update", n="2", name="two")
    await client.click("update_only", n="3", name="three")
    await client.click("update_only", n="7", name="seven")
    assert rows(client) == [("rows-1", "row 1"), ("rows-2", "two"), ("rows-3", "three")]


async def test_reset_keeps_only_what_it_inserts_and_is_never_sent_as_false(client):
    await client.open("/t/stream/")
    reply = await client.click("reset", n="5")
    assert reply["response"]["diff"]["1"]["stream"] == ["0", [["rows-5", -1, None, False]],
                                                        [], True]
    assert rows(client) == [("rows-5", "row 5")]
    reply = await client.click("append", n="6")
    assert len(reply["response"]["diff"]["1"]["stream"]) == 3


async def test_limit_trims_on_the_client(client):
    await client.open("/t/stream/")
    reply = await client.click("limit", n="8", limit="2")
    assert reply["response"]["diff"]["1"]["stream"][1] == [["rows-8", 0, 2, False]]
    assert rows(client) == [("rows-8", "row 8"), ("rows-1", "row 1")]


async def test_a_queryset_is_evaluated_at_render_even_from_an_async_handler(client):
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import User

    await sync_to_async(User.objects.create)(username="bea")
    await sync_to_async(User.objects.create)(username="al")
    await client.open("/t/stream/")
    await client.click("users")
    assert re.findall(r'<li id="(users-\d+)">(\w+)</li>', client.html)[:2] == [
        (f"users-{(await User.objects.aget(username='al')).pk}", "al"),
        (f"users-{(await User.objects.aget(username='bea')).pk}", "bea")]


async def test_streams_inside_an_if_and_an_include_across_a_push_patch(client):
    await client.open("/t/stream-places/")
    assert re.findall(r'<li id="([a-z]+-\d+)">', client.html) == ["rows-1", "more-10"]
    reply = await client.click("next")
    diff = reply["response"]["diff"]
    assert diff["0"]["0"]["stream"] == ["0", [["rows-2", -1, None, False]], []]
    assert client.url.endswith("/t/stream-places/?page=2")
    assert re.findall(r'<li id="([a-z]+-\d+)">', client.html) == [
        "rows-1", "rows-2", "more-11", "more-10"]
    assert '<p id="page">2</p>' in client.html
    # The if branch closes (its stream goes with it) and reopens with a reset stream.
    await client.click("toggle")
    assert 'id="a"' not in client.html
    await client.click("toggle")
    assert re.findall(r'<li id="(rows-\d+)">', client.html) == ["rows-3"]
    assert re.findall(r'<li id="(more-\d+)">', client.html) == ["more-11", "more-10"]
