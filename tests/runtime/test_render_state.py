"""liveview.runtime.render_state: the client's tree and title, kept by the runtime."""
from types import SimpleNamespace

from django.template import engines

from liveview.core.render import render_tree
from liveview.core.streams import Streams
from liveview.runtime.render_state import RenderState

STREAM = engines["django"].from_string(
    '<ul id="r" phx-update="stream">{% for id, row in streams.rows %}'
    '<li id="{{ id }}">{{ row.name }}</li>{% endfor %}</ul>')


def socket(**extra):
    return SimpleNamespace(live_title=None, pending_events=[], streams=Streams(), **extra)


def test_the_title_goes_out_once_and_events_once():
    state, sock = RenderState(), socket()
    sock.live_title = "A"
    sock.pending_events.append(("hi", {"n": 1}))
    assert state.full({"s": ["x"]}, sock) == {"s": ["x"], "t": "A", "e": [["hi", {"n": 1}]]}
    assert state.tree == {"s": ["x"]}  # title and events never land in the held tree
    assert state.diff({"s": ["x"]}, sock) == {}
    sock.live_title = "B"
    assert state.diff({"s": ["x"]}, sock) == {"t": "B"}


def test_streamed_items_are_sent_once_and_kept_nowhere():
    state, sock = RenderState(), socket()
    stream = sock.streams.get_or_create("rows")
    stream.insert_many([{"id": n, "name": f"r{n}"} for n in range(1000)])
    full = state.full(render_tree(STREAM, {"streams": sock.streams}), sock)
    assert full["0"]["k"]["kc"] == 1000
    assert not stream.pending and state.tree["0"]["k"] == {"kc": 0}
    for batch in range(20):
        stream.insert_many([{"id": n, "name": "x"} for n in range(batch * 50, batch * 50 + 50)],
                           at=0, limit=150)
        diff = state.diff(render_tree(STREAM, {"streams": sock.streams}), sock)
        assert diff["0"]["k"]["kc"] == 50 and len(diff["0"]["stream"][1]) == 50
        assert state.tree["0"] == {"s": state.tree["0"]["s"], "k": {"kc": 0},
                                   "stream": ["0", [], []]}
    assert state.diff(render_tree(STREAM, {"streams": sock.streams}), sock) == {}
