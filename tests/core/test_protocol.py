"""Phoenix V2 framing (liveview.core.protocol): pure, no server."""
import json

import pytest

from liveview.core import protocol as p


@pytest.fixture(autouse=True, params=["c", "python"])
def head_check(request, monkeypatch):
    """Every framing case with each check of a frame's head: the C one (liveview/core/
    _frames.c, tests/core/test_frames_native.py) and the Python one it stands in for."""
    if request.param == "python":
        monkeypatch.setattr(p, "_head_fits", p._python_head_fits)


def test_decode_text_frame():
    frame = p.decode_text('["4","9","lv:phx-a","event",{"type":"click","event":"inc"}]')
    assert frame == p.Frame("4", "9", "lv:phx-a", "event", {"type": "click", "event": "inc"})


def test_decode_heartbeat_with_null_join_ref():
    assert p.decode_text('[null,"8","phoenix","heartbeat",{}]').join_ref is None


@pytest.mark.parametrize("text, message", [
    ("nope", "not JSON"),
    ('{"a":1}', "array of 5"),
    ('["1","2","t","e"]', "array of 5"),
    ('[1,"2","t","e",{}]', "join_ref must be a string or null"),
    ('["1",2,"t","e",{}]', "ref must be a string or null"),
    ('["1","2",null,"e",{}]', "topic and event must be strings"),
    ('["1","2","t","e",[]]', "payload must be an object, got list"),
    ('["1","2","t",5,{}]', "topic and event must be strings"),
    (f'["{"j" * 65}","2","t","e",{{}}]', "join_ref longer than 64 characters"),
    (f'["1","{"r" * 65}","t","e",{{}}]', "ref longer than 64 characters"),
    (f'["1","2","{"t" * 257}","e",{{}}]', "topic or event too long"),
    (f'["1","2","t","{"e" * 257}",{{}}]', "topic or event too long"),
    ("[" * 100000, "not JSON"),
])
def test_decode_text_rejects_malformed_frames(text, message):
    with pytest.raises(p.ProtocolError, match=message):
        p.decode_text(text)


def test_decode_binary_chunk_as_observed_in_the_client():
    # The client's binary push: join_ref "12", ref "13", topic "lvu:0", event "chunk", 4 bytes = 23 bytes.
    data = bytes([0, 2, 2, 5, 5]) + b"1213lvu:0chunk" + b"\x00\x01\x02\x03"
    assert len(data) == 23
    assert p.decode_binary(data) == p.Frame("12", "13", "lvu:0", "chunk", b"\x00\x01\x02\x03")


@pytest.mark.parametrize("data", [b"", b"\x01\x00\x00\x00\x00", b"\x00\x09\x00\x00\x00abc",
                                  b"\x00\x01\x00\x00\x00\xff"])
def test_decode_binary_rejects_malformed_frames(data):
    with pytest.raises(p.ProtocolError):
        p.decode_binary(data)


def test_reply_push_error_and_close_frames():
    assert json.loads(p.reply("1", "2", "lv:x", {"diff": {"0": "1"}})) == \
        ["1", "2", "lv:x", "phx_reply", {"status": "ok", "response": {"diff": {"0": "1"}}}]
    assert json.loads(p.reply(None, "3", "phoenix")) == \
        [None, "3", "phoenix", "phx_reply", {"status": "ok", "response": {}}]
    assert json.loads(p.reply("1", "2", "lv:x", {"reason": "stale"}, ok=False))[4] == \
        {"status": "error", "response": {"reason": "stale"}}
    assert json.loads(p.push("1", "lv:x", "diff", {"0": "a"})) == \
        ["1", None, "lv:x", "diff", {"0": "a"}]
    assert json.loads(p.channel_error("5", "lv:x")) == ["5", "5", "lv:x", "phx_error", {}]
    assert json.loads(p.channel_close("5", "lv:x")) == ["5", "5", "lv:x", "phx_close", {}]


def test_encode_keeps_unicode_and_is_compact():
    assert p.encode(None, None, "lv:x", "diff", {"0": "é"}) == '[null,null,"lv:x","diff",{"0":"é"}]'


def test_peek_head_reads_refs_of_an_oversized_frame_without_parsing_it():
    text = '["4","19","lv:phx-abc","event",{"value":"' + "x" * 10_000 + '"}]'
    assert p.peek_head(text) == ("4", "19", "lv:phx-abc")
    assert p.peek_head('[null,"2","phoenix","heartbeat",{}]') == (None, "2", "phoenix")
    assert p.peek_head("garbage") is None


def _strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON (the client's JSON.parse throws)")
    return json.loads(text, parse_constant=refuse)


def test_non_finite_floats_are_sent_as_null_also_beside_what_orjson_refuses():
    # orjson sends NaN as null; the stdlib fallback (here for an integer past 64 bits and a
    # lone surrogate) must not write the bare NaN/Infinity the client cannot parse.
    for extra in ({"big": 2**70}, {"s": "\ud800"}, {}):
        payload = {"nan": float("nan"), "inf": [float("inf"), (1.5, float("-inf"))], **extra}
        frame = _strict_json(p.encode(None, None, "lv:x", "diff", payload))
        assert frame[4]["nan"] is None and frame[4]["inf"] == [None, [1.5, None]]
        if "big" in extra:
            assert frame[4]["big"] == 2**70
