"""Live components as the client sees them: the `c` tables the runtime's registry and
RenderState send, replayed through the real client's rendered.js (see test_real_client),
plus the pure pieces (tag, assigns snapshots, the component table)."""
from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime
import decimal
import random
import re
from typing import Any

import pytest
from django.template import TemplateSyntaxError, engines
from django.utils.safestring import SafeString

from liveview import LiveComponent
from liveview.core.components import (
    compare_assigns,
    UNCOMPARABLE,
    component_table,
    reachable_cids,
    same_assigns,
    snapshot,
)
from liveview.core.render import render_tree
from liveview.core.streams import Streams
from liveview.core.tree import merge_diff, tree_to_html
from liveview.runtime.render_state import RenderState
from tests.core.test_real_client import run_client

_COMPONENT_ATTRS = re.compile(r' data-phx-(?:component|view|id)="[^"]*"')
_templates: dict[str, Any] = {}


def template(source: str) -> Any:
    if source not in _templates:
        _templates[source] = engines["django"].from_string(source)
    return _templates[source]


class Row(LiveComponent):
    def render(self, context):
        return render_tree(template(
            '<li id="row-{{ id }}" class="{% if count %}hot{% endif %}">{{ label }} '
            '{{ count }}{% for t in tags %}<i>{{ t }}</i>{% endfor %}</li>'), context)

    async def mount(self, socket):
        socket.context.update(count=0, tags=[])

    async def handle_event(self, event, payload, socket):
        if event == "noop":  # rendered again, unchanged
            return
        socket.context["count"] += 1
        socket.context["tags"] = [*socket.context["tags"], f"t{socket.context['count']}"][-3:]


class Box(LiveComponent):
    def render(self, context):
        return render_tree(template(
            '{% load liveview %}<div id="box-{{ id }}"><b>{{ name }}</b>'
            '{% for r in rows %}{% live_component row id=r label=name %}{% endfor %}</div>'),
            context)

    async def mount(self, socket):
        socket.context["row"] = Row

    async def handle_event(self, event, payload, socket):
        socket.context["name"] = socket.context["name"] + "!"


PAGE = ('{% load liveview %}<ul>{% for r in rows %}'
        '{% live_component row id=r.0 label=r.1 %}{% endfor %}</ul>'
        '{% if boxes %}{% for b in boxes %}{% live_component box id=b name=b rows=box_rows %}'
        '{% endfor %}{% else %}<p>no box</p>{% endif %}')


class Page:
    def render(self, context):
        return render_tree(template(PAGE), context)


@dataclasses.dataclass
class Socket:
    context: dict[str, Any]
    connected: bool = True
    live_title: str | None = None
    pending_events: list[Any] = dataclasses.field(default_factory=list)
    streams: Streams = dataclasses.field(default_factory=Streams)
    component_updates: list[Any] = dataclasses.field(default_factory=list)


def held_html(state: RenderState) -> str:
    """The page as the server believes the client holds it (full trees, no sharing)."""
    registry = state.components
    table = {str(cid): entry.tree for cid, entry in registry._by_cid.items()
             if entry.tree is not None}
    return tree_to_html({**state.tree, "c": table})


async def play(seed: int, steps: int) -> tuple[list[dict[str, Any]], list[str]]:
    """A random session: the wire messages, and the HTML the server believes in after each."""
    rng = random.Random(seed)
    state, socket, page = RenderState(), Socket({}), Page()
    labels = ["a", "b", "<c>"]

    def randomize() -> None:
        ids = rng.sample(range(8), rng.randint(0, 6))
        socket.context.update(
            rows=[(i, rng.choice(labels)) for i in ids], row=Row, box=Box,
            boxes=rng.sample(["x", "y"], rng.randint(0, 1)),
            box_rows=rng.sample(range(100, 104), rng.randint(0, 3)))

    randomize()
    messages = [state.full(await state.render(page, socket), socket)]
    expected = [held_html(state)]
    client_cids: set[int] = set(int(c) for c in messages[0].get("c", {}))
    marked: list[int] = []
    for _ in range(steps):
        action = rng.random()
        if action < 0.4:
            if client_cids and rng.random() < 0.5:  # an event and new rows in one render
                await state.components.handle_event(rng.choice(sorted(client_cids)),
                                                    rng.choice(["x", "noop"]), {})
            randomize()
        elif action < 0.7 and client_cids:
            await state.components.handle_event(rng.choice(sorted(client_cids)),
                                                rng.choice(["x", "noop"]), {})
        elif action < 0.8 and socket.context["rows"]:
            from liveview.components import ComponentUpdate

            row_id = rng.choice(socket.context["rows"])[0]
            socket.component_updates.append(ComponentUpdate(Row, row_id, {"label": "upd"}))
        elif marked:
            deleted = state.components.destroy(marked)
            marked = []
            messages.append({"__prune__": deleted})
            expected.append(expected[-1])
            client_cids -= set(deleted)
            continue
        diff = state.diff(await state.render(page, socket), socket)
        messages.append(diff)
        expected.append(held_html(state))
        client_cids |= set(int(c) for c in diff.get("c", {}))
        # The client reports components that left the page (sometimes late, so that some
        # are placed again before cids_destroyed).
        held = {int(c): t for c, t in (merge_diff_all(messages).get("c") or {}).items()}
        gone = sorted(set(held) - reachable_cids(merge_diff_all(messages), held) - set(marked))
        if gone:
            state.components.mark(gone)
            marked.extend(gone)
            messages.append({"__will_destroy__": gone})
            expected.append(expected[-1])
    return messages, expected


def merge_diff_all(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Our emulation of the client (core.tree.merge_diff) over a whole session."""
    held: dict[str, Any] | None = None
    for message in messages:
        if "__will_destroy__" in message:
            continue
        if "__prune__" in message:
            table = dict(held.get("c") or {})
            for cid in message["__prune__"]:
                table.pop(str(cid), None)
            held = {**held, "c": table}
            continue
        held = merge_diff(held, message)
    assert held is not None
    return held


def test_component_sessions_through_the_real_client() -> None:
    sessions = [asyncio.run(play(seed, 40)) for seed in range(12)]
    shared = sum('"s": -' in str(m).replace("'", '"') or '"s": 1' in str(m).replace("'", '"')
                 for messages, _ in sessions for m in messages)
    assert shared > 5  # the sessions do exercise shared statics
    results = run_client([messages for messages, _ in sessions])
    for (messages, expected), got in zip(sessions, results):
        client = [_COMPONENT_ATTRS.sub("", html) for html in got]
        assert client == expected, messages
        # ... and our own emulation of the client agrees.
        assert tree_to_html(merge_diff_all(messages)) == expected[-1]


# Pure pieces -------------------------------------------------------------------------------

def test_snapshot_copies_comparable_values_and_gives_up_on_others() -> None:
    rows = [{"id": 1, "tags": {"a"}}]
    first = snapshot({"rows": rows, "n": 1})
    rows[0]["id"] = 2  # mutated in place: still a change
    assert not same_assigns(first, snapshot({"rows": rows, "n": 1}))
    assert same_assigns(snapshot({"rows": rows, "n": 1}), snapshot({"rows": rows, "n": 1}))

    @dataclasses.dataclass(frozen=True)
    class Todo:
        id: int
        title: str

    assert same_assigns(snapshot({"t": Todo(1, "x")}), snapshot({"t": Todo(1, "x")}))
    assert not same_assigns(snapshot({"t": Todo(1, "x")}), snapshot({"t": Todo(1, "y")}))
    assert snapshot({"o": object()}) is UNCOMPARABLE
    assert snapshot({"big": list(range(5000))}) is UNCOMPARABLE
    assert not same_assigns(UNCOMPARABLE, UNCOMPARABLE)


@pytest.mark.parametrize("old, new", [
    (1, True), (0, False), (1, 1.0), (0.0, -0.0), ("a", SafeString("a")),
    (decimal.Decimal("1.0"), decimal.Decimal("1.00")),
    (datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.timezone.utc),
     datetime.datetime(2026, 1, 1, 13, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))),
    ([1, 1], [1, True]), ({"k": 1}, {"k": 1.0}), ({1}, {1.0}),
])
def test_equal_values_that_render_differently_are_a_change(old: Any, new: Any) -> None:
    # Python's == holds for each pair, but the component's HTML differs: it must update.
    assert old == new
    assert not same_assigns(snapshot({"v": old}), snapshot({"v": new}))
    assert same_assigns(snapshot({"v": old}), snapshot({"v": old}))


@pytest.mark.parametrize("old, new", [
    (1, True), (0, False), (1, 1.0), (0.0, -0.0), ("a", SafeString("a")),
    (decimal.Decimal("1.0"), decimal.Decimal("1.00")),
    ([1, 1], [1, True]), ({"k": 1}, {"k": 1.0}), ({1}, {1.0}), ((1, 2), [1, 2]),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
])
def test_compare_assigns_is_as_strict_as_snapshot(old: Any, new: Any) -> None:
    taken, same = compare_assigns({"v": old}, None)
    assert not same  # nothing to compare with: the first render
    assert compare_assigns({"v": copy.deepcopy(old)}, taken)[1]
    assert not compare_assigns({"v": new}, taken)[1]


def test_compare_assigns_proves_large_plain_data_unchanged() -> None:
    # More values than `snapshot` looks at (it gives up: the component would update and
    # render again at every parent render): the C check proves them unchanged.
    rows = [{"id": i, "name": f"row {i}", "active": i % 2 == 0} for i in range(1000)]
    assert snapshot({"rows": rows}) is UNCOMPARABLE
    taken, same = compare_assigns({"rows": rows, "n": 1}, None)
    assert not same
    kept, same = compare_assigns({"rows": rows, "n": 1}, taken)
    assert same and kept is taken
    rows[500]["name"] = "renamed"  # in place: a change
    changed, same = compare_assigns({"rows": rows, "n": 1}, kept)
    assert not same
    assert compare_assigns({"rows": rows, "n": 1}, changed)[1]
    assert not compare_assigns({"rows": rows, "n": 2}, changed)[1]


def test_compare_assigns_takes_snapshot_for_other_values() -> None:
    @dataclasses.dataclass(frozen=True)
    class Todo:
        id: int

    taken, _ = compare_assigns({"t": Todo(1), "when": datetime.date(2026, 1, 1)}, None)
    assert compare_assigns({"t": Todo(1), "when": datetime.date(2026, 1, 1)}, taken)[1]
    assert not compare_assigns({"t": Todo(2), "when": datetime.date(2026, 1, 1)}, taken)[1]
    opaque, _ = compare_assigns({"o": object()}, None)
    assert opaque is UNCOMPARABLE
    assert not compare_assigns({"o": object()}, opaque)[1]
    # From plain data to other values and back: each a change.
    plain, _ = compare_assigns({"v": 1}, None)
    other, same = compare_assigns({"v": Todo(1)}, plain)
    assert not same
    assert not compare_assigns({"v": 1}, other)[1]


@pytest.mark.parametrize("source, message", [
    ('{% live_component %}', "needs a component"),
    ('{% live_component "a.B" row=1 %}', "needs id=..."),
    ('{% live_component "a.B" id=1 oops %}', "is not key=value"),
    ('{% live_component "a.B" id=1 id=2 %}', "given twice"),
])
def test_tag_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message):
        engines["django"].from_string("{% load liveview %}" + source)


def test_plain_django_render_explains_itself() -> None:
    t = engines["django"].from_string('{% load liveview %}{% live_component "a.B" id=1 %}')
    with pytest.raises(TemplateSyntaxError, match="outside a LiveView render"):
        render_tree(t, {})
    s = engines["django"].from_string(
        '{% load liveview %}{% spaceless %}{% live_component "a.B" id=1 %}{% endspaceless %}')
    with pytest.raises(TemplateSyntaxError, match="rendered by Django as plain text"):
        s.render({})


def test_component_table_shares_statics_and_diffs() -> None:
    statics = ["<p>", "</p>"]
    one, two, three = ({"s": statics, "0": v} for v in "abc")
    # New cids: the first whole, the next from it (+1) with only what differs.
    assert component_table({}, {1: one, 2: two}, set(), {}) == {
        "1": {"s": statics, "0": "a", "r": 1}, "2": {"s": 1, "0": "b", "r": 1}}
    # From a cid the client holds (-1); an unchanged re-render sends nothing.
    assert component_table({1: one}, {1: one, 3: {"s": statics, "0": "a"}}, set(),
                           {1: one}) == {"3": {"s": -1, "r": 1}}
    # A reset cid goes whole with its statics; a changed one as a diff.
    assert component_table({1: one, 2: two}, {1: one, 2: three}, {1}, {2: two}) == {
        "1": {"s": statics, "0": "a", "r": 1}, "2": {"0": "c"}}
