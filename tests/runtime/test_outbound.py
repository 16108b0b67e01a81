"""liveview.runtime.outbound: the one rule for what a rendered change sends."""
import json

from liveview.runtime.outbound import Outbound


def outbound():
    sent = []

    def send(text):
        sent.append(json.loads(text))

    return Outbound(send, "lv:v", "4"), sent


def test_a_request_is_always_answered_with_the_diff_when_there_is_one():
    out, sent = outbound()
    out.render_result("7", {"0": "1"})
    out.render_result("8", {})
    out.render_result("9", {"0": "2"}, {"ref": "u"})
    assert sent == [
        ["4", "7", "lv:v", "phx_reply", {"status": "ok", "response": {"diff": {"0": "1"}}}],
        ["4", "8", "lv:v", "phx_reply", {"status": "ok", "response": {}}],
        ["4", "9", "lv:v", "phx_reply",
         {"status": "ok", "response": {"ref": "u", "diff": {"0": "2"}}}],
    ]


def test_without_a_request_a_diff_is_pushed_and_no_change_sends_nothing():
    out, sent = outbound()
    out.render_result(None, {})
    assert sent == []
    out.render_result(None, {"0": "1"})
    assert sent == [["4", None, "lv:v", "diff", {"0": "1"}]]


def test_navigating_away_answers_the_request_or_pushes_then_closes():
    out, sent = outbound()
    out.navigate_away("live_redirect", {"to": "/b", "kind": "push"}, "7")
    out.navigate_away("redirect", {"to": "/c"}, None)
    assert sent == [
        ["4", "7", "lv:v", "phx_reply",
         {"status": "ok", "response": {"live_redirect": {"to": "/b", "kind": "push"}}}],
        ["4", "4", "lv:v", "phx_close", {}],
        ["4", None, "lv:v", "redirect", {"to": "/c"}],
        ["4", "4", "lv:v", "phx_close", {}],
    ]


def test_a_crash_sends_phx_error_only_and_refusals_are_error_replies():
    out, sent = outbound()
    out.error()
    out.refuse("5", "nope")
    assert sent == [["4", "4", "lv:v", "phx_error", {}],
                    ["4", "5", "lv:v", "phx_reply",
                     {"status": "error", "response": {"reason": "nope"}}]]
