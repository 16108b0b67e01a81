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


# The usual event's quick check (`fits_event`, the router's fast path) never passes what the
# table refuses, and passes the usual frames.
_VALUES = [None, "click", "", 0, 1, True, False, 1.5, {}, {"a": 1}, [], [1], "form"]


class _Str(str):
    pass


@pytest.fixture(params=["c", "python"])
def fits_event(request):
    """`schema.fits_event` as the router calls it: the C one (liveview/core/_frames.c) and
    the Python one it stands in for."""
    return schema.fits_event if request.param == "c" else schema._python_fits_event


@pytest.mark.parametrize("field", ["type", "event", "meta", "uploads", "cid", "value", "other"])
@pytest.mark.parametrize("value", _VALUES + [_Str("x")])
@pytest.mark.parametrize("with_event", [True, False])
def test_fits_event_agrees_with_the_schema(field, value, with_event, fits_event):
    payload = {"type": "click", "event": "inc", "value": {"value": ""}} if with_event else {}
    payload[field] = value
    reason = schema.error(frame("event", payload))
    assert fits_event(payload) == (reason is None), payload


def test_fits_event_passes_the_usual_frames(fits_event):
    assert fits_event({"type": "click", "event": "inc", "value": {"value": ""}})
    assert fits_event({"type": "form", "event": "save", "value": "a=1",
                       "meta": {}, "uploads": {}, "cid": 3})
    assert fits_event({"event": "inc", "type": None, "meta": None, "cid": None})


def test_fits_event_knows_every_field_of_the_event_schema():
    # A field added to LV_SCHEMAS[EVENT] must be checked by fits_event too.
    assert set(schema.LV_SCHEMAS[p.EVENT]) == {"type", "event", "meta", "uploads", "cid"}
