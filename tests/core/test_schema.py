"""liveview.core.schema: one schema per client message type, checked before any handler."""
import pytest

from liveview.core import protocol as p
from liveview.core import schema
from liveview.core.errors import ProtocolError


def frame(event, payload, topic="lv:phx-1"):
    return p.Frame("1", "2", topic, event, payload)


@pytest.mark.parametrize("event, payload", [
    ("phx_join", {"url": "http://x/", "params": {}, "session": "s", "static": None}),
    ("event", {"type": "click", "event": "inc", "value": {"a": 1}}),
    ("event", {"type": None, "event": "inc", "value": "x=1", "meta": None}),
    ("live_patch", {"url": "http://x/?page=2"}),
    ("phx_leave", {}),
    ("allow_upload", {"ref": "phx-a", "entries": [], "cid": None}),
    ("progress", {"ref": "phx-a", "entry_ref": "0", "progress": 50, "event": None}),
    ("progress", {"ref": "phx-a", "entry_ref": "0", "progress": {"error": "x"}}),
    ("cids_will_destroy", {"cids": [1, 2]}),
    ("cids_destroyed", {"cids": []}),
    ("something_else", {"anything": object()}),  # no schema: its handler refuses it
])
def test_well_formed_messages_pass(event, payload):
    schema.check(frame(event, payload))


@pytest.mark.parametrize("event, payload, reason", [
    ("phx_join", {"url": 5}, "invalid phx_join: url must be a string"),
    ("phx_join", {"session": ["x"]}, "invalid phx_join: session must be a string"),
    ("phx_join", {"params": "x"}, "invalid phx_join: params must be an object"),
    ("event", {"type": "click"}, "invalid event: event missing"),
    ("event", {"event": 3}, "invalid event: event must be a string"),
    ("event", {"event": "x", "meta": []}, "invalid event: meta must be an object"),
    ("event", {"event": "x", "uploads": []}, "invalid event: uploads must be an object"),
    ("live_patch", {}, "invalid live_patch: url missing"),
    ("allow_upload", {"ref": "r", "entries": {}}, "invalid allow_upload: entries must be a list"),
    ("progress", {"ref": "r", "entry_ref": "0", "progress": True},
     "invalid progress: progress must be an integer or an object"),
    ("progress", {"ref": "r", "entry_ref": "0", "progress": "50"},
     "invalid progress: progress must be an integer or an object"),
    ("cids_destroyed", {"cids": ["a"]}, "invalid cids_destroyed: cids must be a list of integers"),
])
def test_malformed_messages_are_refused_with_a_reason(event, payload, reason):
    with pytest.raises(ProtocolError, match=f"^{reason}$"):
        schema.check(frame(event, payload))


def test_upload_topics_take_tokens_and_binary_chunks():
    schema.check(frame("phx_join", {"token": "t"}, "lvu:0"))
    schema.check(frame("phx_join", {}, "lvu:0"))  # refused by the channel: invalid_token
    schema.check(frame("chunk", b"data", "lvu:0"))
    with pytest.raises(ProtocolError, match="a chunk is a binary frame"):
        schema.check(frame("chunk", {"data": "x"}, "lvu:0"))
    with pytest.raises(ProtocolError, match="token must be a string"):
        schema.check(frame("phx_join", {"token": 5}, "lvu:0"))
