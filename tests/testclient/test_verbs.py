"""The test client's verbs against a real view, checking the frames they send against the
payloads the JS client builds (docs: protocol notes in docs/internals.md)."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest

from liveview.core.dom import SelectorError
from liveview.testing import Navigation, ViewCrashed

pytest_plugins = ["liveview.pytest_plugin"]


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = "tests.testclient.views"


@pytest.fixture
async def play(live_client):
    client = await live_client("/tc/play/")
    client.sent = []
    send = client.send

    async def recording_send(frame):
        client.sent.append(frame)
        await send(frame)

    client.send = recording_send
    return client


def last_event(client):
    return next(f[4] for f in reversed(client.sent) if f[3] == "event")


# Finding ---------------------------------------------------------------------------------------
async def test_element_and_has_element(play):
    assert play.has_element("#rows li.row")
    assert play.has_element("li", "Remove b")
    assert play.has_element("li", re.compile(r"^b Remove"))
    assert not play.has_element("li", "Remove z")
    assert play.element("#rows > li:first-child span").text == "a"
    assert play.element("li.row", "Remove c").exists()
    with pytest.raises(AssertionError, match="3 elements match li.row"):
        play.element("li.row").find()
    with pytest.raises(AssertionError, match="no element matches #nope"):
        await play.element("#nope").click()
    with pytest.raises(SelectorError, match="unsupported"):
        play.has_element("li:hover")


# Clicks ----------------------------------------------------------------------------------------
async def test_click_sends_phx_value_and_the_buttons_value(play):
    html = await play.element("button.remove", "Remove b").click()
    assert last_event(play) == {"type": "click", "event": "remove",
                                "value": {"row": "b", "pos": "2", "value": ""}}
    assert "Remove b" not in html and html == play.html
    await play.element("#inc").click({"by": "5"})
    assert last_event(play)["value"] == {"value": "", "by": "5"}
    assert play.element("#count").text == "5"


async def test_click_runs_the_push_of_a_js_command(play):
    await play.element("#js-inc").click()
    assert last_event(play) == {"type": "click", "event": "inc",
                                "value": {"value": "", "by": "2"}}
    assert play.element("#count").text == "2"


async def test_phx_target_with_a_component_id_sends_cid(play):
    await play.element("#other-target").click()
    sent = last_event(play)
    assert sent["cid"] == 3 and sent["event"] == "inc"


async def test_clicking_an_element_without_binding_fails(play):
    with pytest.raises(AssertionError, match="no phx-click"):
        await play.element("#plain-button").click()


# Keys, focus, hooks ------------------------------------------------------------------------------
async def test_key_events(play):
    await play.element("#search").keyup("a")
    assert last_event(play) == {"type": "keyup", "event": "search",
                                "value": {"key": "a", "extra": "x", "value": ""}}
    await play.element("#enter-only").keydown("Escape")  # phx-key="Enter": nothing sent
    assert last_event(play)["event"] == "search"
    await play.element("#enter-only").keydown("Enter")
    assert last_event(play) == {"type": "keydown", "event": "enter",
                                "value": {"key": "Enter", "value": ""}}
    await play.element("#window-keys").keydown("k")
    assert last_event(play) == {"type": "keydown", "event": "wkey", "value": {"key": "k"}}


async def test_focus_blur_and_hook(play):
    await play.element("#focusable").focus()
    assert last_event(play) == {"type": "focus", "event": "focused", "value": {"value": "v"}}
    await play.element("#focusable").blur()
    assert last_event(play) == {"type": "blur", "event": "blurred", "value": {"value": "v"}}
    await play.element("#hooked").hook("ping", {"n": 4})
    assert last_event(play) == {"type": "hook", "event": "ping", "value": {"n": 4}}
    assert play.last_reply == {"pong": 4}
    await play.hook("ping", {"n": 5})
    assert play.last_reply == {"pong": 5}


# Forms ------------------------------------------------------------------------------------------
async def test_change_serializes_the_form_as_the_client(play):
    await play.element("#profile").change({"user": {"name": "Bo"}})
    sent = last_event(play)
    assert sent["type"] == "form" and sent["event"] == "validate" and sent["uploads"] == {}
    assert sent["meta"] == {"_target": "user[name]", "source": "form"}
    assert parse_qsl(sent["value"], keep_blank_values=True) == [
        ("token", "t1"),                      # hidden: never marked unused
        ("user[name]", "Bo"),                 # typed in: used
        ("user[_unused_email]", ""), ("user[email]", ""),
        ("_unused_bio", ""), ("bio", "hi"),   # the newline after <textarea> is not content
        ("_unused_color", ""), ("color", "g"),
        ("_unused_tags", ""), ("tags", "a"), ("_unused_tags", ""), ("tags", "c"),
        ("_unused_size", ""), ("size", "s"),  # unchecked checkbox: left out; disabled too
        ("_unused_nick", ""), ("nick", "n"),
    ]
    # Another change: the name stays used; checking the box uses it.
    await play.element("#profile").change({"agree": True, "color": "r"}, target="agree")
    pairs = parse_qsl(last_event(play)["value"], keep_blank_values=True)
    assert ("user[name]", "Ada") in pairs and ("_unused_user[name]", "") not in pairs
    assert ("agree", "on") in pairs and ("_unused_agree", "") not in pairs
    assert ("color", "r") in pairs and ("_unused_color", "") not in pairs
    assert last_event(play)["meta"]["_target"] == "agree"


async def test_an_inputs_own_phx_change_sends_only_that_input(play):
    await play.element("#own-change").change({"nick": "zed"})
    sent = last_event(play)
    assert sent["event"] == "nick" and sent["value"] == "nick=zed"
    assert sent["meta"]["_target"] == "nick"


async def test_change_of_an_unknown_input_fails(play):
    with pytest.raises(AssertionError, match="no enabled input.*'user\\[nmae\\]'"):
        await play.element("#profile").change({"user[nmae]": "x"})
    with pytest.raises(AssertionError, match="'off'"):
        await play.element("#profile").change({"off": "x"})


async def test_submit_marks_everything_used_and_sends_the_submitter(play):
    await play.element("#save").submit({"bio": "new"})
    sent = last_event(play)
    assert sent["event"] == "save" and sent["meta"] == {"source": "form"}
    assert "uploads" not in sent and "_target" not in sent["meta"]
    pairs = parse_qsl(sent["value"], keep_blank_values=True)
    assert not [k for k, _ in pairs if "_unused_" in k]
    assert ("bio", "new") in pairs and ("act", "go") in pairs
    # A click on a submit button submits its form too; after a submit nothing is unused.
    await play.element("#save").click()
    assert last_event(play)["event"] == "save"
    await play.element("#profile").change({})
    assert "_unused_" not in last_event(play)["value"]


# Navigation ------------------------------------------------------------------------------------
async def test_patch_link_and_push_patch(play):
    html = await play.element("#to-page-2").click()
    assert play.element("#page").text == "2" and "id=\"page\">2<" in html
    assert await play.assert_patch("/tc/play/?page=2") == "/tc/play/?page=2"
    await play.element("#patch").click()
    with pytest.raises(AssertionError, match="expected a patch to '/tc/play/\\?page=9'"):
        await play.assert_patch("/tc/play/?page=9")
    assert play.url == "http://testserver/tc/play/?page=3"
    with pytest.raises(AssertionError, match="did not navigate"):
        await play.assert_patch(timeout=0.05)


async def test_push_navigate_then_follow_redirect(play):
    await play.element("#navigate").click()
    nav = await play.assert_redirect("/tc/other/")
    assert nav.kind == "live_redirect" and nav.flash
    play.navigations.append(nav)  # put back, to follow it
    html = await play.follow_redirect()
    assert "<p id='other'>other</p>" in html
    assert play.has_element(".flash-info", "Navigated.")
    assert play.url == "http://testserver/tc/other/"


async def test_redirect_is_followed_over_http_with_the_flash(play):
    await play.element("#redirect").click()
    html = await play.follow_redirect("/tc/other/")
    assert "other" in html and play.has_element(".flash-info", "Redirected.")


async def test_navigate_link_is_a_live_redirect(play):
    await play.element("#to-other").click()
    assert await play.assert_redirect() == Navigation("live_redirect", "/tc/other/")


async def test_follow_redirect_without_one_fails(play):
    with pytest.raises(AssertionError, match="expected a redirect"):
        await play.follow_redirect(timeout=0.05)


# Waiting ---------------------------------------------------------------------------------------
async def test_wait_for_pushed_diffs(play, live_client):
    await play.element("#later").click()
    await play.wait_for(lambda: play.element("#count").text == "10")
    ticker = await live_client("/tc/ticker/")
    await ticker.wait_for(lambda: int(ticker.element("#ticks").text) >= 3, timeout=2)
    with pytest.raises(AssertionError, match="condition still false"):
        await play.wait_for(lambda: False, timeout=0.05)


# Uploads ---------------------------------------------------------------------------------------
async def test_upload_through_the_upload_channel(play):
    data = b"x" * 150_000  # three chunks of 64 000 bytes at most
    await play.upload("#up-form input[type=file]", "big.txt", data, "text/plain")
    events = [f[3] for f in play.sent]
    assert events[:2] == ["event", "allow_upload"]
    assert events[2] == "phx_join" and play.sent[2][2] == "lvu:0"
    progress = [f[4]["progress"] for f in play.sent if f[3] == "progress"]
    assert progress == [42, 85, 100]
    chose = play.sent[0][4]
    assert chose["uploads"][play.element("#up-form input").attrs["id"]][0] == {
        "path": "up", "ref": "0", "last_modified": 1_700_000_000_000, "name": "big.txt",
        "type": "text/plain", "size": 150_000}
    assert play.element("#e0").attrs["data-progress"] == "100"
    await play.upload("#up-form input", "small.txt", "hello", "text/plain")
    await play.element("#up-form").submit()
    assert play.element("#saved").text == "big.txt:150000 small.txt:5"


async def test_upload_refused_by_validation_stops_at_the_change(play):
    await play.upload("#up-form input", "a.exe", b"MZ", "application/octet-stream")
    assert [f[3] for f in play.sent] == ["event"]
    assert play.element("#e0 .err").text == "not_accepted"


async def test_crash_surfaces_as_view_crashed(play):
    with pytest.raises(ViewCrashed):
        await play.element("#boom").click()
