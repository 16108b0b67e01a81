"""liveview.runtime.router: every topic routed from one table; strays refused cleanly."""
import json

import pytest

from liveview.runtime.router import TopicRouter
from liveview.core.protocol import Frame

pytestmark = pytest.mark.django_db(transaction=True)


def router():
    sent = []

    def send(text):
        sent.append(json.loads(text))

    return TopicRouter(send, {"client": ("127.0.0.1", 5000)}), sent


async def route(r, frame):
    """Route `frame` as the socket does: what must wait is awaited before the next frame."""
    waiting = r.route(frame)
    if waiting is not None:
        await waiting


async def test_heartbeats_are_answered_and_other_phoenix_events_refused():
    r, sent = router()
    await route(r, Frame(None, "1", "phoenix", "heartbeat", {}))
    await route(r, Frame(None, "2", "phoenix", "other", {}))
    assert sent == [[None, "1", "phoenix", "phx_reply", {"status": "ok", "response": {}}],
                    [None, "2", "phoenix", "phx_reply",
                     {"status": "error", "response": {"reason": "unmatched topic"}}]]


@pytest.mark.parametrize("topic", ["lv:phx-none", "lvu:0", "elsewhere"])
async def test_frames_for_topics_never_joined_are_unmatched(topic):
    r, sent = router()
    await route(r, Frame("1", "2", topic, "event", {}))
    await route(r, Frame("1", None, topic, "event", {}))  # no ref: nothing to answer
    await route(r, Frame("1", "3", topic, "phx_leave", {}))
    assert sent == [["1", "2", topic, "phx_reply",
                     {"status": "error", "response": {"reason": "unmatched topic"}}],
                    ["1", "3", topic, "phx_reply", {"status": "ok", "response": {}}]
                    if topic != "elsewhere" else
                    ["1", "3", topic, "phx_reply",
                     {"status": "error", "response": {"reason": "unmatched topic"}}]]


async def test_an_upload_join_with_a_bad_token_is_refused():
    r, sent = router()
    await route(r, Frame("9", "9", "lvu:0", "phx_join", {"token": "forged"}))
    assert sent == [["9", "9", "lvu:0", "phx_reply",
                     {"status": "error", "response": {"reason": "invalid_token"}}]]
    assert r.uploads == {}


async def test_a_binary_frame_on_a_view_topic_is_refused_and_the_view_goes_on(client, caplog):
    await client.open("/t/echo/")
    from tests.runtime.test_uploads import binary_frame

    await client.communicator.send_to(
        bytes_data=binary_frame(client.join_ref, "77", client.topic, "event", b"\x00\x01"))
    frame = await client.receive()
    assert frame == [client.join_ref, "77", client.topic, "phx_reply",
                     {"status": "error",
                      "response": {"reason": "binary frames are only for upload topics"}}]
    await client.click("inc")
    assert "<p id='n'>1</p>" in client.html
    assert "Traceback" not in caplog.text


async def test_a_rejoin_replaces_the_view_on_that_topic(client):
    await client.open("/t/echo/")
    await client.click("inc")
    old_join_ref = client.join_ref
    assert (await client.join())["status"] == "ok"
    assert "<p id='n'>0</p>" in client.html  # mounted afresh
    # The old instance's frames are now stale.
    reply = await client.request(client.topic, "event",
                                 {"type": "click", "event": "inc", "value": {}},
                                 join_ref=old_join_ref)
    assert reply == {"status": "error", "response": {"reason": "unmatched topic"}}
