"""Navigation over the real protocol: push_patch, live patches from links, push_navigate,
replace_navigate, redirect, titles, push_event and hook replies."""
import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.navigation_views"


async def joined(client, path="/n/pager/"):
    return await client.open(path)


async def frames_until_reply(client, ref_event):
    """Send an event; return (pushes received before the reply, the reply payload)."""
    ref = client.next_ref()
    event, value = ref_event
    await client.send([client.join_ref, ref, client.topic, "event",
                       {"type": "click", "event": event, "value": value}])
    pushes = []
    while True:
        frame = await client.receive()
        if frame[3] == "phx_reply" and frame[1] == ref:
            return pushes, frame[4]
        pushes.append(frame)


async def test_push_patch_sends_live_patch_then_the_diff_of_handle_params(client):
    await joined(client)
    pushes, reply = await frames_until_reply(client, ("patch", {"page": 3}))
    assert [f[3:] for f in pushes] == [["live_patch", {"kind": "push", "to": "/n/pager/?page=3"}]]
    assert pushes[0][0] == client.join_ref and pushes[0][1] is None
    assert reply["response"]["diff"]["t"] == "Page 3"
    client._apply(reply["response"]["diff"])
    assert "<p id='page'>3</p>" in client.html


@pytest.mark.parametrize("page, kind", [(0, "push"), (-1, "replace")])
async def test_push_patch_in_handle_params_during_join_goes_in_the_join_reply(client, page, kind):
    await client.get(f"/n/pager/?page={page}")
    reply = await client.join(url=client.url)
    assert reply["status"] == "ok", reply
    assert reply["response"]["live_patch"] == {"kind": kind, "to": "/n/pager/?page=1"}
    assert "<p id='page'>1</p>" in client.html
    assert client.title == "Page 1"


async def test_link_patch_runs_handle_params_and_updates_the_title(client):
    await joined(client)
    reply = await client.request(client.topic, "live_patch",
                                 {"url": "http://testserver/n/pager/?page=2#top"})
    assert reply["status"] == "ok"
    assert reply["response"]["diff"]["t"] == "Page 2"
    client._apply(reply["response"]["diff"])
    assert "<p id='page'>2</p>" in client.html
    # Back to page 1 (what the browser's back button sends): handle_params again.
    reply = await client.request(client.topic, "live_patch",
                                 {"url": "http://testserver/n/pager/?page=1"})
    client._apply(reply["response"]["diff"])
    assert "<p id='page'>1</p>" in client.html and client.title == "Page 1"


@pytest.mark.parametrize("url", ["http://testserver/n/target/", "http://testserver/n/plain/",
                                 "http://testserver/nowhere/"])
async def test_link_patch_to_another_url_asks_the_client_to_navigate(client, url):
    await joined(client)
    reply = await client.request(client.topic, "live_patch", {"url": url})
    assert reply == {"status": "ok", "response": {"link_redirect": True}}


async def test_push_navigate_answers_the_event_then_the_redirect_join_mounts_the_target(client):
    await joined(client)
    pushes, reply = await frames_until_reply(client, ("navigate", {"to": "/n/target/"}))
    assert pushes == []
    # As Phoenix: the request is answered with where to go, then the channel closes.
    assert reply == {"status": "ok",
                     "response": {"live_redirect": {"to": "/n/target/", "kind": "push"}}}
    close = await client.receive()
    assert close[3] == "phx_close" and close[0] == close[1] == client.join_ref
    # The client leaves (the server answers ok although the channel is gone), then rejoins
    # the same topic with `redirect`, reusing the page's session and static tokens.
    leave = await client.request(client.topic, "phx_leave", {})
    assert leave["status"] == "ok"
    reply = await client.join(url=None, redirect="http://testserver/n/target/")
    assert reply["status"] == "ok", reply
    assert "<p id='target'>target</p>" in client.html
    assert client.title == "Target"


async def test_navigation_from_handle_info_is_a_push(client):
    await joined(client)
    await client.click("later", to="/n/target/")
    push = await client.receive()
    assert push[:4] == [client.join_ref, None, client.topic, "live_redirect"]
    assert push[4]["to"] == "/n/target/" and push[4]["kind"] == "push"
    assert (await client.receive())[3] == "phx_close"


async def test_replace_navigate_says_replace(client):
    await joined(client)
    reply = await client.click("replace", to="/n/target/")
    assert reply["response"] == {"live_redirect": {"to": "/n/target/", "kind": "replace"}}


@pytest.mark.parametrize("to", ["/n/admin/", "/n/plain/", "https://example.com/"])
async def test_navigate_out_of_the_live_session_becomes_a_full_redirect(client, to):
    await joined(client)
    reply = await client.click("navigate", to=to)
    assert reply["response"] == {"redirect": {"to": to}}
    assert (await client.receive())[3] == "phx_close"


async def test_redirect_answers_with_redirect_then_closes(client):
    await joined(client)
    reply = await client.click("redirect", to="/n/target/")
    assert reply["response"] == {"redirect": {"to": "/n/target/"}}
    assert (await client.receive())[3] == "phx_close"


async def test_redirect_join_of_a_page_not_in_the_live_session_is_unauthorized(client):
    await joined(client)
    await client.request(client.topic, "phx_leave", {})
    reply = await client.join(url=None, redirect="http://testserver/n/admin/")
    assert reply == {"status": "error", "response": {"reason": "unauthorized"}}


async def test_title_is_sent_only_when_it_changes(client):
    await joined(client)
    assert client.title == "Page 1"
    reply = await client.request(client.topic, "live_patch",
                                 {"url": "http://testserver/n/pager/?page=1"})
    assert reply == {"status": "ok", "response": {}}


async def test_title_prefix_and_suffix_from_settings(client, settings):
    settings.LIVEVIEW = {"TITLE_PREFIX": "Shop · ", "TITLE_SUFFIX": " ⚡"}
    html = await client.get("/n/pager/?page=4")
    assert '<title data-prefix="Shop · " data-suffix=" ⚡">Shop · Page 4 ⚡</title>' in html
    reply = await client.join()
    # The client adds prefix and suffix itself (dom.ts:putTitle): `t` is the bare title.
    assert reply["response"]["rendered"]["t"] == "Page 4"


async def test_push_event_during_join_goes_in_rendered_e(client):
    await client.get("/n/pager/?push=1")
    reply = await client.join()
    assert reply["response"]["rendered"]["e"] == [["arrived", {"page": 1}]]


async def test_push_event_and_hook_reply(client):
    await joined(client)
    reply = await client.event("push", {})
    assert reply["response"]["diff"] == {"e": [["highlight", {"page": 1}]]}
    reply = await client.event("ping", {"n": 7}, type="hook")
    assert reply["response"] == {"diff": {"r": {"pong": 7}}}
    # A click (not a hook) gets no reply value even if the handler returns one.
    reply = await client.event("ping", {"n": 7}, type="click")
    assert reply["response"] == {}


async def test_demo_items_page_renders_patch_links(client):
    html = await client.get("/items/?page=2")
    assert re.search(r'<a id="next" href="/items/\?page=3" data-phx-link="patch" '
                     r'data-phx-link-state="push">', html), html
    assert 'href="/items/?page=1" data-phx-link="patch"' in html
    await client.join()
    assert '<a id="next" href="/items/?page=3"' in client.html
    assert client.title == "Items, page 2"
    reply = await client.click("last")
    assert client.title == "Items, page 5" and "Item 47" in client.html, reply
    assert "Jumped to the last page." in client.html
