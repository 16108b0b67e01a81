"""Change tracking end to end: in-place edits reach the page, unchanged parts are not rendered."""
import random

import pytest
from django.template import Context

from liveview.core.components import reachable_cids

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


# Live components ----------------------------------------------------------------------------

async def _open_boxes(make_client, settings, tracking):
    settings.LIVEVIEW = {**getattr(settings, "LIVEVIEW", {}), "CHANGE_TRACKING": tracking}
    client = make_client()
    await client.open("/t/boxes/")
    return client


async def test_a_component_click_does_not_render_its_unchanged_rows(make_client, settings):
    client = await _open_boxes(make_client, settings, True)
    top = client.cid_of("box-top")
    CALLS["counted"] = 0
    reply = await client.click("inc", cid=top)
    assert reply["response"]["diff"] == {"c": {str(top): {"1": "1"}}}
    assert CALLS["counted"] == 0
    await client.event("label", {"value": "m"})  # new assigns: update, render
    await client.event("bump", {"id": "top", "count": "7"})  # send_update
    assert CALLS["counted"] == 0
    assert "<p>7</p>" in client.html and "<p>m </p>" in client.html
    await client.event("rename", {"index": "3", "name": "new"}, cid=top)  # in place
    assert CALLS["counted"] == 1  # that row only
    # A component placed again after its removal gets a new cid and renders everything.
    await client.event("boxes", {"value": "b"})
    assert CALLS["counted"] == 6
    await client.event("boxes", {"value": ""})
    assert await client.prune_components() == [top + 1]
    CALLS["counted"] = 0
    await client.event("boxes", {"value": "b"})
    assert CALLS["counted"] == 5
    assert client.cid_of("box-b") == top + 2


async def test_component_tracking_is_turned_off_with_the_view(make_client, settings):
    client = await _open_boxes(make_client, settings, False)
    CALLS["counted"] = 0
    await client.click("inc", cid=client.cid_of("box-top"))
    assert CALLS["counted"] == 5


# What each random step can do: (event, value maker, target: None for the view, else a cid).
_VIEW_STEPS = [
    ("title", lambda r: {"value": r.choice("xyz")}),
    ("label", lambda r: {"value": r.choice("lmn")}),
    ("boxes", lambda r: {"value": ",".join(r.sample("abc", r.randint(0, 3)))}),
    ("nested", lambda r: {"value": ",".join(r.sample(["n1", "n2"], r.randint(0, 2)))}),
    ("many", lambda r: {}),
    ("rename", lambda r: {"index": str(r.randrange(5)), "name": r.choice(["<a>", "b", "c"])}),
    ("bump", lambda r: {"id": r.choice(["top", "a", "b", "n1", "zz"]),
                        "count": str(r.randint(0, 2))}),
]
_COMPONENT_STEPS = [
    ("inc", lambda r: {}),
    ("retype", lambda r: {}),
    ("rename", lambda r: {"index": str(r.randrange(5)), "name": r.choice(["<a>", "b", "d"])}),
    ("tag", lambda r: {"index": str(r.randrange(5)), "tag": r.choice("tu")}),
    ("note", lambda r: {"note": r.choice("pq")}),
    ("poke", lambda r: {"id": r.choice(["top", "a", "c", "n2"]), "count": str(r.randint(0, 2))}),
]


@pytest.mark.parametrize("seed", range(6))
async def test_tracked_components_render_what_untracked_ones_render(make_client, settings, seed):
    """A random walk of view and component events (assigns changed by the view, in-place edits
    by components, send_update, update_many, nesting, removal and placement again): after each
    step the tracked page, diff and component table equal the untracked ones."""
    off = await _open_boxes(make_client, settings, False)
    on = await _open_boxes(make_client, settings, True)
    assert on.html == off.html
    rng = random.Random(seed)
    for _ in range(40):
        if rng.random() < 0.5:
            event, values = rng.choice(_VIEW_STEPS)
            cid = None
        else:
            event, values = rng.choice(_COMPONENT_STEPS)
            cid = rng.choice(sorted(reachable_cids(on.tree, on.components)))
        payload = values(rng)
        replies = [await client.event(event, payload, **({} if cid is None else {"cid": cid}))
                   for client in (off, on)]
        assert replies[1] == replies[0], (event, payload, cid)
        assert on.html == off.html
        if event == "boxes":
            assert await on.prune_components() == await off.prune_components()
