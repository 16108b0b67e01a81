"""Nested LiveViews over the websocket (`{% live_render %}`): the parent renders the child's
container, the child joins its own topic with the token it carries, and the server keeps
the family in order (tests/runtime/views.py NestedHostView / NestedKidView)."""
import asyncio
import json
import re

import pytest
from django.core import signing

from demo_project.asgi import application
from liveview.testing import LiveViewTestClient, ViewCrashed
from liveview.tokens import SESSION_SALT

pytestmark = pytest.mark.django_db(transaction=True)

UNMATCHED = {"status": "error", "response": {"reason": "unmatched topic"}}


async def opened(client, path="/t/nested/"):
    await client.open(path)
    return client


async def test_the_dead_render_holds_the_childs_own_html(client):
    html = await client.get("/t/nested/")
    # Visible without JavaScript: the child's markup inside its container, signed tokens.
    found = re.search(r'<div id="kid-0" data-phx-session="[^"]+" data-phx-static="[^"]+" '
                      r'data-phx-parent-id="(phx-[^"]+)"><b class=\'kid\'>0\|host\|</b></div>',
                      html)
    assert found and found.group(1) == client.view_id


async def test_the_connected_render_holds_the_container_only(client):
    await opened(client)
    assert re.search(r'<div id="kid-1" data-phx-session="[^"]+" data-phx-static="" '
                     rf'data-phx-parent-id="{client.view_id}"></div>', client.html)


async def test_a_child_has_its_own_state_topic_and_session(client):
    session = await client.http.asession()
    await session.aset("greeting", "hello")  # the user's Django session reaches it too
    await session.asave()
    await opened(client)
    kids = await client.live_children()
    assert [kid.view_id for kid in kids] == ["kid-0", "kid-1", "stuck"]
    kid = await client.find_live_child("kid-1")
    assert kid.topic == "lv:kid-1" and kid.communicator is client.communicator
    await kid.click("inc")
    await kid.click("inc")
    await client.click("inc")
    assert "<b class='kid'>2|host|hello</b>" in kid.html
    assert "<b class='kid'>0|host|hello</b>" in kids[0].html
    assert "<p id='host'>1</p>" in client.html


async def test_the_parents_renders_do_not_resend_an_unchanged_child(client):
    await opened(client)
    reply = await client.click("inc")
    assert reply["response"]["diff"] == {"0": "1"}


async def test_a_child_crash_leaves_the_parent_alone(client):
    await opened(client)
    kid = await client.find_live_child("kid-0")
    await kid.click("inc")
    await client.click("inc")
    with pytest.raises(ViewCrashed):
        await kid.click("boom")
    assert await kid.click("inc") == UNMATCHED  # the crashed child is gone...
    await client.click("inc")  # ...the parent goes on, state kept
    assert "<p id='host'>2</p>" in client.html
    assert (await kid.join())["status"] == "ok"  # the client rejoins it: mounted afresh
    assert "<b class='kid'>0|host|</b>" in kid.html


async def test_a_child_the_parent_drops_is_stopped_by_the_server(client):
    await opened(client)
    kid = await client.find_live_child("kid-1")
    await client.click("drop")
    assert "kid-1" not in client.html
    assert await kid.click("inc") == UNMATCHED
    # Its token no longer joins: the parent does not render it.
    reply = await kid.join()
    assert reply["response"] == {"reason": "not rendered by its parent"}
    other = await client.find_live_child("kid-0")
    assert (await other.click("inc"))["status"] == "ok"


async def test_children_stop_with_their_parent(client):
    await opened(client)
    kid = await client.find_live_child("kid-0")
    grand_id = "grand-kid-0"
    await kid.click("grow")
    grand = await kid.find_live_child(grand_id)
    assert (await grand.click("inc"))["status"] == "ok"
    reply = await client.request(client.topic, "phx_leave", {})
    assert reply["status"] == "ok"
    # The parent stops after its reply (written at once), its children by tasks of their own.
    assert await gone(kid) and await gone(grand)


async def gone(view, tries=100):
    """True once `view`'s topic is unmatched (it stopped); clicks sent meanwhile may still
    reach it or find it stopping."""
    for _ in range(tries):
        reply = await view.click("inc")
        if reply == UNMATCHED:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_child_token_joins_only_where_its_parent_renders_it(client, make_client):
    await opened(client)
    token = re.search(r'id="kid-0" data-phx-session="([^"]+)"', client.html).group(1)
    # Another tab (another websocket) with a copied token: refused, nothing mounted.
    thief = await opened(make_client(), "/t/echo/")
    thief.view_id, thief.url = "kid-0", None
    reply = await thief.join(session=token, static=None)
    assert reply["response"] == {"reason": "not rendered by its parent"}
    # A tampered token is stale, as for any view (the client reloads the page).
    data = signing.loads(token, salt=SESSION_SALT)
    forged = signing.dumps({**data, "view": "tests.runtime.views.EchoView"}, salt="wrong")
    kid = LiveViewTestClient(application)
    kid._root, kid.http, kid.communicator = client, client.http, client.communicator
    kid.view_id, kid.url, kid.csrf_token = "kid-0", None, client.csrf_token
    assert (await kid.join(session=forged))["response"] == {"reason": "stale"}
    await thief.close()


async def test_one_child_id_twice_in_a_render_crashes_the_parent(client):
    await opened(client)
    with pytest.raises(ViewCrashed):
        await client.click("dupe")


async def test_navigation_from_a_child_acts_on_the_page(client):
    await opened(client)
    kid = await client.find_live_child("kid-0")
    reply = await kid.click("away")
    assert reply["status"] == "ok"
    assert reply["response"]["live_redirect"] == {"to": "/t/echo/", "kind": "push"}
    # The child is not closed by it: the client navigates the page's main view, and the
    # child goes when its parent goes.
    assert (await kid.click("inc"))["status"] == "ok"
    # push_patch from a child has no URL of its own to patch: it navigates the page too.
    reply = await kid.click("patch")
    assert reply["response"]["live_redirect"] == {"to": "/t/echo/?n=3", "kind": "push"}
    # A sticky view navigating the page goes on too (it outlives the navigation).
    sticky = await client.find_live_child("stuck")
    reply = await sticky.click("away")
    assert reply["response"]["live_redirect"] == {"to": "/t/echo/", "kind": "push"}
    assert (await sticky.click("inc"))["status"] == "ok"


async def test_children_count_against_max_views_per_socket(client, settings):
    settings.LIVEVIEW = {**settings.LIVEVIEW, "MAX_VIEWS_PER_SOCKET": 3}
    await opened(client)
    await client.click("more", value="4")
    kids = [await client.find_live_child(f"kid-{i}") for i in range(2)]
    assert all(kid.tree is not None for kid in kids)
    with pytest.raises(AssertionError, match="too many views"):
        await client.find_live_child("kid-2")


async def test_sticky_views_are_roots_of_their_own(client, make_client, urls):
    await opened(client, "/nested/")
    player = await client.find_live_child("player")
    await player.click("skip")
    assert '<span id="skips">1</span>' in player.html
    token = re.search(r'id="player" data-phx-session="([^"]+)"', client.html).group(1)
    data = signing.loads(token, salt=SESSION_SALT)
    assert data["st"] is True and data["p"] is None  # no parent: it outlives the page's view
    # The page's view navigates away (its children stop); the sticky view goes on.
    counter = await client.find_live_child("counter")
    reply = await counter.click("leave")
    assert reply["response"]["live_redirect"]["to"] == "/nested/other/"
    await client.request(client.topic, "phx_leave", {})
    assert await gone(counter)
    assert (await player.click("skip"))["status"] == "ok"
    assert '<span id="skips">2</span>' in player.html


def test_session_must_be_json(settings):
    from liveview.exceptions import NestedViewError
    from liveview.nested import child_spec

    with pytest.raises(NestedViewError, match="signed into the page as JSON"):
        child_spec("tests.runtime.views.NestedKidView", {"id": "a", "session": {"x": object()}})
    with pytest.raises(NestedViewError, match="needs id="):
        child_spec("tests.runtime.views.NestedKidView", {"id": "1 bad"})
    with pytest.raises(NestedViewError, match="is not a LiveView class"):
        child_spec("json.dumps", {"id": "a"})
    with pytest.raises(NestedViewError, match="set by the tag itself"):
        child_spec("tests.runtime.views.NestedKidView", {"id": "a", "data_phx_main": True})
    assert json.loads(json.dumps({"ok": 1}))


def test_the_tag_outside_a_liveview_template_says_where_it_belongs():
    from django.template import TemplateSyntaxError, engines

    template = engines["django"].from_string(
        "{% load liveview %}{% live_render 'tests.runtime.views.NestedKidView' id='a' %}")
    with pytest.raises(TemplateSyntaxError, match="outside a LiveView's own template"):
        template.render({})


async def test_each_child_of_the_dead_render_reports_its_own_mount_and_render(client):
    from liveview import signals

    seen: list[tuple[str, str, str, bool]] = []

    def record(signal, sender, view_id, connected, **kwargs):
        seen.append((signal.stage, sender.__name__, view_id, connected))

    for signal in (signals.view_mounted, signals.view_rendered):
        signal.connect(record)
    try:
        await client.get("/t/nested/")
    finally:
        for signal in (signals.view_mounted, signals.view_rendered):
            signal.disconnect(record)
    children = {(stage, view_id) for stage, _, view_id, _ in seen if view_id != client.view_id}
    assert {("mount", "kid-0"), ("render", "kid-0"), ("mount", "stuck"),
            ("render", "stuck")} <= children, seen
    assert not any(connected for *_, connected in seen)
    assert ("render", "NestedHostView", client.view_id, False) in seen


@pytest.mark.parametrize("tracking", [True, False])
async def test_children_outlive_parent_renders_that_skip_their_slot(client, settings, tracking):
    # With change tracking, a parent click that changes nothing the children's loop reads
    # must still place them: a child missing from a render is stopped as dropped.
    settings.LIVEVIEW = {**getattr(settings, "LIVEVIEW", {}), "CHANGE_TRACKING": tracking}
    await opened(client)
    kid = await client.find_live_child("kid-1")
    for _ in range(3):
        await client.click("inc")
    await kid.click("inc")
    assert "<b class='kid'>1|host|</b>" in kid.html
    assert "<p id='host'>3</p>" in client.html


async def test_closing_a_child_client_leaves_its_topic_and_keeps_the_page_socket(client):
    await opened(client)
    kid = await client.find_live_child("kid-1")
    await kid.click("inc")
    await kid.close()
    assert client.communicator is not None
    await client.click("inc")  # the page's websocket is still open
    assert "<p id='host'>1</p>" in client.html
    again = await client.find_live_child("kid-1")  # joins afresh: the old one left
    assert again is not kid and "<b class='kid'>0|host|</b>" in again.html
