"""Joining `lv:` topics: tokens, CSRF, routing, the join reply."""
import json
from pathlib import Path

import pytest
from django.core import signing

from liveview.core.protocol import CLIENT_VERSION
from liveview.tokens import SESSION_SALT

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


def test_announced_version_is_the_installed_client_version():
    installed = json.loads(
        (REPO / "node_modules/phoenix_live_view/package.json").read_text())["version"]
    locked = json.loads((REPO / "package-lock.json").read_text())[
        "packages"]["node_modules/phoenix_live_view"]["version"]
    assert CLIENT_VERSION == installed == locked


async def test_join_replies_with_rendered_tree_title_and_version(client):
    await client.get("/counter/?c=5")
    reply = await client.join()
    assert reply["status"] == "ok"
    response = reply["response"]
    assert response["liveview_version"] == CLIENT_VERSION
    assert response["rendered"]["t"] == "Counter"
    assert '<span id="count">5</span>' in client.html


async def test_join_render_equals_http_render(client):
    page = await client.get("/counter/?c=3")
    await client.join()
    assert client.html in page


async def test_heartbeat_is_answered(client):
    await client.get("/counter/")
    await client.connect()
    await client.send([None, "7", "phoenix", "heartbeat", {}])
    assert await client.receive() == [None, "7", "phoenix", "phx_reply",
                                      {"status": "ok", "response": {}}]


async def _join_error(client, **overrides):
    reply = await client.join(**overrides)
    assert reply["status"] == "error", reply
    # The socket survives a refused join: heartbeats still answered.
    await client.send([None, "hb", "phoenix", "heartbeat", {}])
    assert (await client.receive())[1] == "hb"
    return reply["response"]


async def test_tampered_session_token_is_stale(client):
    await client.get("/counter/")
    token = client.session_token
    assert await _join_error(client, session=token[:-2] + "xx") == {"reason": "stale"}


async def test_expired_session_token_is_stale(client, settings):
    await client.get("/counter/")
    settings.LIVEVIEW = {"TOKEN_MAX_AGE": -1}
    assert await _join_error(client) == {"reason": "stale"}


async def test_token_for_another_view_id_is_stale(client):
    await client.get("/counter/")
    other = signing.dumps({"id": "phx-someoneelse", "view": "x", "ls": "default"},
                          salt=SESSION_SALT, compress=False)
    assert await _join_error(client, session=other) == {"reason": "stale"}


async def test_tampered_static_token_is_stale(client):
    await client.get("/counter/")
    assert await _join_error(client, static="garbage") == {"reason": "stale"}


async def test_wrong_csrf_token_is_stale(client):
    await client.get("/counter/")
    params = {"_csrf_token": "x" * 64, "_mounts": 0}
    assert await _join_error(client, params=params) == {"reason": "stale"}


async def test_missing_csrf_token_is_stale(client):
    await client.get("/counter/")
    assert await _join_error(client, params={}) == {"reason": "stale"}


async def test_url_that_is_not_a_liveview_is_unauthorized(client):
    await client.get("/counter/")
    response = await _join_error(client, url="http://testserver/t/plain/")
    assert response == {"reason": "unauthorized"}


async def test_url_of_another_liveview_than_the_token_is_unauthorized(client):
    await client.get("/counter/")
    response = await _join_error(client, url="http://testserver/t/echo/")
    assert response == {"reason": "unauthorized"}


async def test_redirect_join_to_another_view_in_the_same_live_session(client):
    await client.get("/counter/")
    reply = await client.join(url=None, redirect="http://testserver/t/other/9/#frag")
    assert reply["status"] == "ok"
    assert client.html == "<p>other 9</p>"


async def test_redirect_join_into_another_live_session_is_unauthorized(client):
    await client.get("/counter/")
    response = await _join_error(client, url=None, redirect="http://testserver/t/isolated/")
    assert response == {"reason": "unauthorized"}


async def test_navigation_during_mount_answers_the_join_with_live_redirect(client):
    await client.get("/t/mount-redirect/")
    response = await _join_error(client)
    assert response == {"live_redirect": {"to": "/t/other/7/", "kind": "push"}}


async def test_session_and_user_reach_mount(client):
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import User

    await sync_to_async(User.objects.create_user)("ada", password="pw")
    assert await client.http.alogin(username="ada", password="pw")
    session = await client.http.asession()
    await session.aset("greeting", "hello")
    await session.asave()
    await client.get("/t/echo/")
    await client.join()
    assert "<p>ada|hello</p>" in client.html


async def test_websocket_from_a_foreign_origin_is_refused(urls):
    from channels.testing import WebsocketCommunicator

    from demo_project.asgi import application

    communicator = WebsocketCommunicator(application, "/live/websocket?vsn=2.0.0",
                                         headers=[(b"origin", b"http://evil.example"),
                                                  (b"host", b"testserver")])
    connected, _ = await communicator.connect()
    assert not connected


async def test_test_client_open_fails_when_the_join_is_refused(client, settings):
    settings.LIVEVIEW = {"TOKEN_MAX_AGE": -1}
    with pytest.raises(AssertionError, match=r"join of /counter/ refused: \{'reason': 'stale'\}"):
        await client.open("/counter/")


async def test_a_request_right_behind_a_refused_rejoin_is_answered(client):
    """Found by the robustness suite (mutated frames): a rejoin over a live view that is
    refused, and a request sent right behind it before the refusal arrived. The request went
    to the refused view's mailbox and was dropped with it, unanswered (the client waits 30 s,
    then reloads the page). Every request gets an answer."""
    await client.open("/t/echo/")
    join_ref = client.join_ref
    await client.send([join_ref, "50", client.topic, "phx_join",
                       {"url": client.url, "params": {}, "session": "forged", "sticky": False}])
    await client.send([join_ref, "51", client.topic, "event",
                       {"type": "click", "event": "inc", "value": {}}])
    replies = {}
    while len(replies) < 2:
        frame = await client.receive()
        if frame[3] == "phx_reply":
            replies[frame[1]] = frame[4]
    assert replies["50"] == {"status": "error", "response": {"reason": "stale"}}
    assert replies["51"]["status"] == "error", replies["51"]
    # A request after the refusal is answered too: the topic is not joined any more.
    reply = await client.request(client.topic, "event", {"type": "click", "event": "inc",
                                                         "value": {}}, join_ref=join_ref)
    assert reply == {"status": "error", "response": {"reason": "unmatched topic"}}


async def test_a_request_to_a_view_that_is_stopping_is_answered(client):
    """Found with the test above: a view that crashed stays in the router's table until its
    stop is done (here a slow disconnect()); a request arriving meanwhile went to its closed
    mailbox and was dropped unanswered. It is answered as for a topic not joined."""
    await client.open("/t/slow-goodbye/")
    await client.send([client.join_ref, "60", client.topic, "event",
                       {"type": "click", "event": "boom", "value": {}}])
    while (await client.receive())[3] != "phx_error":
        pass
    reply = await client.request(client.topic, "event", {"type": "click", "event": "inc",
                                                         "value": {}})
    assert reply == {"status": "error", "response": {"reason": "unmatched topic"}}
