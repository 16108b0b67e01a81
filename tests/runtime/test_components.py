"""Live components end to end: cids, events by cid, state across renders, the destroy
handshake, send_update, forms, and the HTTP render."""
import gc
import os

import pytest

from liveview.testing import ViewCrashed

from tests.runtime.component_views import Counter, FormComponent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.component_views"


def counter(id, label, count, cid):
    return (f'<div id="counter-{id}">{label}: {count}'
            f'<button phx-click="inc" phx-target="{cid}">+</button></div>')


async def test_http_render_puts_components_in_place(client):
    html = await client.get("/t/components/")
    assert counter(1, "n", 0, 1) + counter(2, "n", 0, 2) in html


async def test_join_sends_components_in_c_with_shared_statics(client):
    reply = await client.open("/t/components/")
    rendered = reply["response"]["rendered"]
    assert rendered["1"]["k"] == {"0": {"0": 1}, "1": {"0": 2}, "kc": 2}
    first, second = rendered["c"]["1"], rendered["c"]["2"]
    assert first["r"] == 1 and isinstance(first["s"], list)
    # The second counter takes its statics from the first one in the same message.
    assert second == {"s": 1, "r": 1, "0": "2", "3": "2"}
    assert client.html == "<main><h1>Counters</h1>" + counter(1, "n", 0, 1) + \
        counter(2, "n", 0, 2) + "</main>"


async def test_event_by_cid_reaches_that_component_only(client):
    await client.open("/t/components/")
    reply = await client.click("inc", cid=2)
    assert reply["response"]["diff"] == {"c": {"2": {"2": "1"}}}
    assert counter(1, "n", 0, 1) + counter(2, "n", 1, 2) in client.html


async def test_component_state_survives_parent_rerenders(client):
    await client.open("/t/components/")
    await client.click("inc", cid=1)
    updates = Counter.updates
    # The parent re-renders; the counters' assigns did not change: not updated, not sent.
    reply = await client.event("title", {"value": "Other"})
    assert reply["response"]["diff"] == {"0": "Other"}
    assert Counter.updates == updates
    # New assigns: update runs, only what changed goes out, the count stays.
    reply = await client.event("label", {"value": "m"})
    assert reply["response"]["diff"] == {"c": {"1": {"1": "m"}, "2": {"1": "m"}}}
    assert counter(1, "m", 1, 1) in client.html
    # A new list around the same ids: same cids, same state.
    reply = await client.event("set_ids", {"value": "3,1,2"})
    diff = reply["response"]["diff"]
    assert diff["1"]["k"] == {"0": {"0": 3}, "1": {"0": 1}, "2": {"0": 2}, "kc": 3}
    # Statics from a counter the client has (2: its count 0 is this one's too).
    assert diff["c"] == {"3": {"s": -2, "r": 1, "0": "3", "3": "3"}}
    assert client.html == "<main><h1>Other</h1>" + counter(3, "m", 0, 3) + \
        counter(1, "m", 1, 1) + counter(2, "m", 0, 2) + "</main>"


async def test_removal_handshake_frees_server_state(client):
    await client.open("/t/components/")
    await client.click("inc", cid=1)
    await client.event("set_ids", {"value": "2"})
    assert await client.prune_components() == [1]
    assert sorted(client.components) == [2]
    # Back again: a new cid (never reused), mounted afresh.
    reply = await client.event("set_ids", {"value": "2,1"})
    assert reply["response"]["diff"]["1"]["k"]["1"] == {"0": 3}
    assert "3" in reply["response"]["diff"]["c"]
    assert counter(1, "n", 0, 3) in client.html


async def test_removed_instances_are_garbage(client):
    await client.open("/t/components/")
    gc.collect()
    before = len(Counter.alive)
    await client.event("set_ids", {"value": ""})
    await client.prune_components()
    gc.collect()
    assert len(Counter.alive) == before - 2


async def test_a_marked_component_rendered_again_is_sent_whole_and_kept(client):
    await client.open("/t/components/")
    await client.click("inc", cid=1)
    await client.event("set_ids", {"value": "2"})
    assert await client.request(client.topic, "cids_will_destroy", {"cids": [1]}) == \
        {"status": "ok", "response": {}}
    reply = await client.event("set_ids", {"value": "1,2"})
    whole = reply["response"]["diff"]["c"]["1"]
    assert isinstance(whole["s"], list) and whole["r"] == 1 and whole["2"] == "1"
    reply = await client.request(client.topic, "cids_destroyed", {"cids": [1]})
    assert reply["response"] == {"cids": []}
    await client.click("inc", cid=1)
    assert counter(1, "n", 2, 1) in client.html


async def test_events_for_unknown_cids_are_ignored(client):
    await client.open("/t/components/")
    reply = await client.click("inc", cid=99)
    assert reply == {"status": "ok", "response": {}}


async def test_send_update_from_the_view_and_from_a_component(client):
    await client.open("/t/components/")
    reply = await client.event("bump", {"id": "2", "by": "5"})
    assert reply["response"]["diff"] == {"c": {"2": {"2": "5"}}}
    reply = await client.event("bump_path", {"id": "1"})
    assert reply["response"]["diff"] == {"c": {"1": {"2": "1"}}}
    reply = await client.click("poke_other", cid=1, id=2)
    assert reply["response"]["diff"] == {"c": {"2": {"2": "15"}}}
    # To a component that is not there: logged, nothing else happens.
    reply = await client.event("bump", {"id": "7", "by": "1"})
    assert reply["response"] == {}


async def test_send_update_after_and_push_event(client):
    await client.open("/t/components/")
    reply = await client.click("shout", cid=2)
    assert reply["response"]["diff"]["e"] == [["shout", {"cid": 2}]]
    await client.click("later", cid=1)
    frame = await client.receive()
    assert frame[3] == "diff" and frame[4] == {"c": {"1": {"2": "100"}}}


async def test_send_update_from_anywhere_through_a_topic(client):
    from liveview import send_update

    await client.open("/t/components/")
    await client.event("subscribe", {})
    await send_update("counters", Counter, id=2, add=3)
    frame = await client.receive()
    assert frame[3] == "diff" and frame[4] == {"c": {"2": {"2": "3"}}}


async def test_nested_components(client):
    await client.open("/t/components/")
    reply = await client.event("panel", {"name": "P", "ids": "10,11"})
    diff = reply["response"]["diff"]
    assert diff["2"]["0"] == 3  # the panel's cid in the parent
    assert set(diff["c"]) == {"3", "4", "5"}
    assert '<section id="panel-p"><h2>P</h2>' + counter(10, "P", 0, 4) + \
        counter(11, "P", 0, 5) + "</section>" in client.html
    # An event in a nested component: only it is sent.
    reply = await client.click("inc", cid=5)
    assert reply["response"]["diff"] == {"c": {"5": {"2": "1"}}}
    # The panel's new assigns re-render it; the surviving nested counter keeps its count.
    reply = await client.event("panel", {"name": "Q", "ids": "11"})
    assert counter(11, "Q", 1, 5) in client.html and "counter-10" not in client.html
    assert await client.prune_components() == [4]


async def test_form_component_validates_live(client):
    await client.open("/t/components/")
    await client.event("form", {})
    cid = client.cid_of('id="f-signup"')
    await client.submit("validate", {"name": "toolong", "email": "", "_unused_email": ""},
                        target="name", change=True, cid=cid)
    assert "Ensure this value has at most 5 characters" in client.html
    assert "This field is required" not in client.html
    await client.submit("save", {"name": "ann", "email": "a@example.com"}, cid=cid)
    assert FormComponent.saved[-1] == {"name": "ann", "email": "a@example.com"}
    assert "<p>saved</p>" in client.html


async def test_duplicate_ids_crash_the_render(client):
    await client.open("/t/components/")
    with pytest.raises(ViewCrashed):  # phx_error: two components with one id
        await client.event("set_ids", {"value": "1,1"})


async def test_uploads_inside_components(client, settings, tmp_path):
    import re

    from tests.runtime.test_uploads import binary_frame, file_entry

    settings.LIVEVIEW = {**settings.LIVEVIEW, "UPLOAD_TEMP_DIR": str(tmp_path)}
    await client.open("/t/components/")
    await client.event("uploaders", {"value": "a,b"})  # two components, each its "up"
    cid = client.cid_of("id='box-b'")
    ref = re.search(r"<div id='box-b'>.*?data-phx-upload-ref=\"([^\"]+)\"", client.html)[1]
    other = re.search(r"<div id='box-a'>.*?data-phx-upload-ref=\"([^\"]+)\"", client.html)[1]
    assert ref != other
    entry = file_entry("0", "b.txt", size=5)
    await client.event("validate", "", type="form", meta={"_target": "up"},
                       uploads={ref: [entry]}, cid=cid)
    assert "<i data-progress='0'>b.txt</i>" in client.html
    reply = await client.request(client.topic, "allow_upload",
                                 {"ref": ref, "entries": [entry], "cid": cid})
    token = reply["response"]["entries"]["0"]
    client._apply(reply["response"].get("diff", {}))
    assert (await client.request("lvu:0", "phx_join", {"token": token}, join_ref="u0")
            )["status"] == "ok"
    chunk_ref = client.next_ref()
    await client.communicator.send_to(
        bytes_data=binary_frame("u0", chunk_ref, "lvu:0", "chunk", b"hello"))
    while (await client.receive())[1] != chunk_ref:
        pass
    reply = await client.request(client.topic, "progress",
                                 {"event": None, "ref": ref, "entry_ref": "0", "progress": 100,
                                  "cid": cid})
    client._apply(reply["response"].get("diff", {}))
    # The progress callback got the component's socket; the component rendered again.
    assert f"<p class='log'>{cid}:100</p>" in client.html
    await client.submit("save", "", cid=cid)
    assert "<p class='saved'>b.txt=hello</p>" in client.html
    # A removed component's uploads go with it.
    await client.event("uploaders", {"value": "a"})
    assert await client.prune_components() == [cid]
    reply = await client.request(client.topic, "allow_upload",
                                 {"ref": ref, "entries": [file_entry("1")], "cid": cid})
    assert reply["response"] == {"ref": ref, "error": [[ref, "disallowed"]]}


async def test_writer_and_external_uploads_inside_components(client, settings, tmp_path):
    import re

    from tests.runtime.test_uploads import binary_frame, file_entry

    settings.LIVEVIEW = {**settings.LIVEVIEW, "UPLOAD_TEMP_DIR": str(tmp_path)}
    await client.open("/t/components/")
    await client.event("uploaders", {"value": "w1,x1"})
    for box, entry_ref in (("w1", "0"), ("x1", "1")):
        cid = client.cid_of(f"id='box-{box}'")
        ref = re.search(rf"<div id='box-{box}'>.*?data-phx-upload-ref=\"([^\"]+)\"",
                        client.html)[1]
        entry = file_entry(entry_ref, f"{box}.txt", size=5)
        await client.event("validate", "", type="form", meta={"_target": "up"},
                           uploads={ref: [entry]}, cid=cid)
        reply = await client.request(client.topic, "allow_upload",
                                     {"ref": ref, "entries": [entry], "cid": cid})
        client._apply(reply["response"].get("diff", {}))
        meta = reply["response"]["entries"][entry_ref]
        if box == "x1":  # the external callable got the component's socket
            assert meta == {"uploader": "T", "by": f"external@{cid}"}
        else:
            topic = f"lvu:{entry_ref}"
            assert (await client.request(topic, "phx_join", {"token": meta},
                                         join_ref="u0"))["status"] == "ok"
            chunk_ref = client.next_ref()
            await client.communicator.send_to(
                bytes_data=binary_frame("u0", chunk_ref, topic, "chunk", b"hello"))
            while (await client.receive())[1] != chunk_ref:
                pass
        reply = await client.request(client.topic, "progress",
                                     {"event": None, "ref": ref, "entry_ref": entry_ref,
                                      "progress": 100, "cid": cid})
        client._apply(reply["response"].get("diff", {}))
        await client.submit("save", "", cid=cid)
    w_cid, x_cid = client.cid_of("id='box-w1'"), client.cid_of("id='box-x1'")
    assert f"<p class='saved'>w1.txt=hello(up@{w_cid})</p>" in client.html
    assert f"<p class='saved'>x1.txt=(external@{x_cid})</p>" in client.html
    assert os.listdir(tmp_path) == []


async def test_a_component_navigates_and_talks_to_its_view(client):
    await client.open("/t/components/")
    reply = await client.click("patch", cid=2)
    assert reply["response"]["diff"] == {"0": "patched by 2"}
    await client.click("tell_view", cid=1)
    frame = await client.receive()
    assert frame[3] == "diff" and frame[4] == {"0": "set by 1"}


async def test_a_render_started_over_in_the_orm_thread_places_its_components_once(client):
    await client.open("/t/components/lazy/")
    assert client.html == counter(1, "lazy", 0, 1) + "<p>0</p>"
    await client.click("inc", cid=1)
    await client.event("noop", {})
    assert client.html == counter(1, "lazy", 1, 1) + "<p>0</p>"
