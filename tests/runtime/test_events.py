"""Events, live patches and leaving, through the real protocol."""
import asyncio

import pytest

from liveview.core.payloads import FormPayload

pytestmark = pytest.mark.django_db(transaction=True)


async def joined(client, path="/t/echo/"):
    await client.open(path)
    return client


async def test_click_replies_with_minimal_diff(client):
    await joined(client, "/counter/")
    reply = await client.click("increment")
    assert reply == {"status": "ok", "response": {"diff": {"0": "1"}}}
    assert '<span id="count">1</span>' in client.html


async def test_a_staticmethod_handler_is_called_without_the_view(client):
    await joined(client, "/t/static-handler/")
    assert await client.click("inc") == {"status": "ok", "response": {"diff": {"0": "1"}}}


async def test_a_handler_set_on_the_instance_is_the_one_called(client):
    await joined(client, "/t/instance-handler/")
    assert await client.click("inc") == {"status": "ok", "response": {"diff": {"0": "10"}}}
    await client.click("sync")  # the instance's handler is now a plain function
    assert await client.click("inc") == {"status": "ok", "response": {"diff": {"0": "-1"}}}


async def test_branch_switch_sends_new_branch_whole(client):
    await joined(client, "/counter/")
    await client.click("decrement")
    assert '<p id="negative">Below zero.</p>' in client.html
    await client.click("increment")
    assert "negative" not in client.html


async def test_unchanged_render_replies_empty(client):
    await joined(client, "/counter/")
    assert await client.click("nothing-happens") == {"status": "ok", "response": {}}


async def test_click_values_are_a_dict_of_strings(client):
    await joined(client)
    await client.event("record", {"id": "7", "value": ""})
    assert "{&#x27;id&#x27;: &#x27;7&#x27;, &#x27;value&#x27;: &#x27;&#x27;}" in client.html


async def test_an_event_without_a_value_gets_an_empty_dict_and_a_form_a_querydict(client):
    """Only these two payloads are made by decode_event_value; others go to the handler as is."""
    await joined(client)
    await client.event("record", {"id": "7"})
    assert "<p>{&#x27;id&#x27;: &#x27;7&#x27;}</p>" in client.html
    await client.event("record", None)
    assert "<p>{}</p>" in client.html
    await client.event("record", "a=1&a=2", type="form")
    assert "<p>&lt;FormPayload: {&#x27;a&#x27;: [&#x27;1&#x27;, &#x27;2&#x27;]}&gt;</p>" \
        in client.html


async def test_keydown_focus_blur_and_hook_types_are_accepted(client):
    await joined(client)
    for event_type in ("keyup", "keydown", "focus", "blur", "hook", "js", None):
        reply = await client.event("inc", {"key": "Enter"}, type=event_type)
        assert reply["status"] == "ok"
    assert "<p id='n'>7</p>" in client.html


async def test_hook_event_gets_the_handler_return_value_as_reply(client):
    await joined(client)
    reply = await client.event("ping", {"n": 3}, type="hook")
    assert reply["response"]["diff"]["r"] == {"pong": 3}


async def test_push_event_and_title_go_with_the_diff(client):
    await joined(client)
    reply = await client.event("push", {"id": "x"})
    assert reply["response"]["diff"]["e"] == [["highlight", {"id": "x"}]]
    reply = await client.event("title", {"title": "New"})
    assert reply["response"]["diff"]["t"] == "New"
    reply = await client.event("title", {"title": "New"})
    assert "t" not in reply["response"].get("diff", {})


async def test_form_payload_is_a_querydict_that_binds_a_django_form(client, settings):
    await joined(client, "/t/form/")
    reply = await client.submit("save", "name=Ada&email=ada%40example.com&tags=a&tags=b")
    assert reply["status"] == "ok"
    assert "<p id='saved'>Ada</p>" in client.html


async def test_form_errors_render_from_bound_form(client):
    await joined(client, "/t/form/")
    await client.submit("validate", "name=&email=nope", target="email", change=True)
    assert "Enter a valid email address." in client.html
    assert "This field is required." in client.html


def test_form_payload_decoding():
    payload = FormPayload(
        "user%5Bname%5D=Jo+Doe%26x&user%5B_unused_email%5D=&user%5Bemail%5D=&tags%5B%5D=a"
        "&tags%5B%5D=b&blank=",
        {"_target": "user[name]", "extra": "x"})
    assert payload["user[name]"] == "Jo Doe&x"
    assert payload.getlist("tags[]") == ["a", "b"]
    assert payload["blank"] == ""
    assert payload["extra"] == "x"
    assert payload.target == ["user", "name"]
    assert payload.unused == {"user[email]"}
    assert not payload.is_used("user[email]") and payload.is_used("user[name]")
    assert "user[_unused_email]" not in payload
    assert payload.nested() == {"user": {"name": "Jo Doe&x", "email": ""}, "tags": ["a", "b"],
                                "blank": "", "_target": "user[name]", "extra": "x"}
    assert not payload._mutable


def test_form_payload_without_target():
    assert FormPayload("a=1", {"_target": "undefined"}).target == []
    assert FormPayload("", None).target == []


async def test_client_live_patch_runs_handle_params(client):
    await joined(client)
    reply = await client.request(client.topic, "live_patch",
                                 {"url": "http://testserver/t/echo/?n=41"})
    assert reply["response"]["diff"]["0"] == "41"


async def test_client_live_patch_to_another_view_asks_for_link_redirect(client):
    await joined(client)
    reply = await client.request(client.topic, "live_patch",
                                 {"url": "http://testserver/t/other/1/"})
    assert reply == {"status": "ok", "response": {"link_redirect": True}}


async def test_server_push_patch_sends_live_patch_then_diff(client):
    await joined(client)
    ref = client.next_ref()
    await client.send([client.join_ref, ref, client.topic, "event",
                       {"type": "click", "event": "patch", "value": {"n": "5"}}])
    push = await client.receive()
    assert push == [client.join_ref, None, client.topic, "live_patch",
                    {"kind": "push", "to": "/t/echo/?n=5"}]
    reply = await client.receive()
    assert reply[1] == ref and reply[4]["response"]["diff"]["0"] == "5"


async def test_push_navigate_answers_with_live_redirect_and_closes(client):
    await joined(client)
    reply = await client.click("navigate", to="/t/other/3/")
    assert reply["response"] == {"live_redirect": {"kind": "push", "to": "/t/other/3/"}}
    assert (await client.receive())[3] == "phx_close"


async def test_navigate_outside_the_live_session_becomes_a_full_redirect(client):
    await joined(client)
    for to in ("/t/plain/", "/t/isolated/"):
        await client.get("/t/echo/")
        await client.join()
        reply = await client.click("navigate", to=to)
        assert reply["response"] == {"redirect": {"to": to}}
        assert (await client.receive())[3] == "phx_close"


async def test_leave_replies_ok_then_closes(client):
    await joined(client)
    reply = await client.request(client.topic, "phx_leave", {})
    assert reply["status"] == "ok"
    assert (await client.receive())[3] == "phx_close"
    # Leaving again (an unknown topic now) is still fine.
    assert (await client.request(client.topic, "phx_leave", {}))["status"] == "ok"


async def test_handlers_never_interleave_and_heartbeats_are_answered_meanwhile(client):
    await joined(client)
    slow, fast = client.next_ref(), client.next_ref()
    await client.send([client.join_ref, slow, client.topic, "event",
                       {"type": "click", "event": "slow", "value": {"seconds": "0.5"}}])
    await client.send([client.join_ref, fast, client.topic, "event",
                       {"type": "click", "event": "inc", "value": {}}])
    await client.send([None, "hb", "phoenix", "heartbeat", {}])
    order = [(await client.receive(timeout=3))[1] for _ in range(3)]
    assert order == ["hb", slow, fast]


async def test_a_handler_runs_as_its_views_task_in_the_views_contextvars(client):
    """An idle view's event is handled at once in the socket's task, but as the view's task:
    the contextvars mount set are there, a value set by one handler is seen by the next, even
    across a handler that waits, and asyncio.timeout cancels the handler, not the socket."""
    await joined(client, "/t/task/")
    await client.click("read")
    assert "<p id='seen'>mounted</p>" in client.html
    await client.click("write", value="clicked")
    await client.click("wait-then-read")  # finished by the view's task after its wait
    assert "<p id='seen'>clicked</p>" in client.html
    assert (await client.click("timeout"))["status"] == "ok"
    assert "<p id='seen'>timed out</p>" in client.html
    await client.click("read")  # the socket and the view go on
    assert "<p id='seen'>clicked</p>" in client.html


async def test_a_rejoin_cancels_a_handler_begun_at_once_in_its_views_context(client):
    """A handler started in the socket's task and waiting is the view's: a rejoin that stops
    the view cancels it there (not dropped or closed unseen), in the view's contextvars."""
    from tests.runtime import views

    await joined(client, "/t/task/")
    views.cancelled_in.clear()
    await client.send([client.join_ref, client.next_ref(), client.topic, "event",
                       {"type": "click", "event": "hang", "value": {}}])
    assert (await client.join())["status"] == "ok"  # right behind it: replaces the view
    assert views.cancelled_in == ["mounted"]


async def test_frames_queued_behind_a_waiting_handler_keep_their_order(client):
    await joined(client)
    refs = [client.next_ref() for _ in range(4)]
    events = ["slow", "inc", "slow", "inc"]
    for ref, event in zip(refs, events):
        await client.send([client.join_ref, ref, client.topic, "event",
                           {"type": "click", "event": event, "value": {"seconds": "0.05"}}])
    frames = [await client.receive(timeout=3) for _ in refs]
    assert [frame[1] for frame in frames] == refs
    assert frames[-1][4]["response"]["diff"] == {"0": "2"}


async def test_several_views_on_one_socket_are_kept_apart(make_client):
    first, second = make_client(), make_client()
    await joined(first)
    await first.click("inc")
    # A second view of the same browser joins on the same websocket.
    second.http, second.communicator = first.http, first.communicator
    await second.get("/counter/")
    second._ref = 100
    assert (await second.join())["status"] == "ok"
    await second.click("increment")
    await first.click("inc")
    assert "<p id='n'>2</p>" in first.html
    assert '<span id="count">1</span>' in second.html
    await first.close()


async def test_join_again_on_the_same_topic_replaces_the_view(client):
    await joined(client)
    await client.click("inc")
    old_join_ref = client.join_ref
    reply = await client.join()  # a rejoin: new join_ref, same topic
    assert reply["status"] == "ok"
    assert "<p id='n'>0</p>" in client.html
    # Frames for the old join are not delivered to the new view.
    reply = await client.request(client.topic, "event",
                                 {"type": "click", "event": "inc", "value": {}},
                                 join_ref=old_join_ref)
    assert reply["status"] == "error"


async def test_sync_handlers_may_use_the_orm(client):
    await joined(client, "/t/sync/")
    await client.click("go")
    assert client.html == "<p>0 users, 1 clicks</p>"


async def test_dataclass_context_updates(client):
    await joined(client, "/t/cart/")
    await client.event("add", {"item": "pear"})
    assert client.html == "<p>2 items apple pear</p>"


async def test_events_before_a_slow_event_do_not_wait_on_other_sockets(make_client):
    a, b = make_client(), make_client()
    await joined(a)
    await joined(b)
    await a.send([a.join_ref, a.next_ref(), a.topic, "event",
                  {"type": "click", "event": "slow", "value": {"seconds": "1"}}])
    started = asyncio.get_running_loop().time()
    await b.click("inc")
    assert asyncio.get_running_loop().time() - started < 0.5
    await a.close()
    await b.close()


@pytest.mark.parametrize("at_once", [True, False])
async def test_handlers_behave_the_same_through_the_views_task(client, monkeypatch, at_once):
    """Without asyncio's task-swapping helpers every frame goes through the view's task; the
    contextvars, the waits and the timeout behave the same either way."""
    from liveview.runtime import view_channel

    monkeypatch.setattr(view_channel, "HANDLE_AT_ONCE", at_once)
    await test_a_handler_runs_as_its_views_task_in_the_views_contextvars(client)
