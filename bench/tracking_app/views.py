"""Pages for the benchmarks beside the demo's /counter/.

`/counter-table/`: the demo counter's markup beside the 1000-row table of bench/render.py;
`increment` changes the count only; the table stays as it is.
`/table-row/`: the same, and `increment` renames one row in place (a different row each time),
the "one-row change in a 1000-row table" of issue 15.
`/counter-by-hand/`: the demo counter with a `render()` that builds its tree by hand, no
template: what a click costs in everything but the template render.
`/counter-table-component/`: the counter in the view, the same table rendered by a live
component given the rows as an assign: every click renders the view, which hands the
component the same rows again (updated and rendered only when they changed).
"""
from __future__ import annotations

from typing import Any

from django.template import engines

from liveview import LiveComponent, LiveView
from liveview.core.render import render_tree

ROWS = 1000
COUNTER_SOURCE = """<div class="counter">
  <button phx-click="decrement">-</button>
  <span id="count">{{ count }}</span>
  <button phx-click="increment">+</button>
</div>
"""
TABLE_SOURCE = """<table class="orders">
  <thead><tr><th>#</th><th>Name</th><th>Status</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr id="row-{{ row.id }}">
      <td>{{ row.id }}</td>
      <td>{{ row.name|title }}</td>
      <td>{% if row.active %}<span class="on">active</span>{% else %}off{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>"""
TEMPLATE = engines["django"].from_string(COUNTER_SOURCE + TABLE_SOURCE)


def make_rows() -> list[dict[str, Any]]:
    """The rows of bench/render.py."""
    return [{"id": i, "name": f"customer <{i}> & sons", "active": i % 3 != 0}
            for i in range(ROWS)]


class CounterTableView(LiveView):
    """A counter beside a table that never changes."""

    async def mount(self, socket, session):
        socket.context = {"count": 0, "rows": make_rows()}

    async def handle_event(self, event, payload, socket):
        if event == "increment":
            socket.context["count"] += 1

    def render(self, context):
        return render_tree(TEMPLATE, context)


class TableRowView(CounterTableView):
    """Each click renames one row in place."""

    async def handle_event(self, event, payload, socket):
        if event == "increment":
            count = socket.context["count"] = socket.context["count"] + 1
            socket.context["rows"][count % ROWS]["name"] = f"renamed {count}"


COUNTER_AND_COMPONENT = engines["django"].from_string(
    COUNTER_SOURCE + '{% load liveview %}{% live_component table_class id="table" rows=rows %}')
TABLE = engines["django"].from_string(TABLE_SOURCE)


class TableComponent(LiveComponent):
    """The table of `/counter-table/`, from its `rows` assign."""

    async def update(self, assigns, socket):
        TableComponent.updates += 1
        socket.context.update(assigns)

    def render(self, context):
        return render_tree(TABLE, context)

    updates = 0


class CounterTableComponentView(CounterTableView):
    """The counter, and the table in a live component."""

    async def mount(self, socket, session):
        socket.context = {"count": 0, "rows": make_rows(), "table_class": TableComponent}

    def render(self, context):
        return render_tree(COUNTER_AND_COMPONENT, context)


# demos/counter.html's markup, split where its two dynamics go.
_COUNTER_STATICS = [
    '<section class="counter">\n  <h1>Counter</h1>\n  <p>Count: <span id="count">',
    '</span></p>\n  <button id="decrement" phx-click="decrement">-</button>\n'
    '  <button id="increment" phx-click="increment">+</button>\n  ',
    "\n</section>\n",
]
_NEGATIVE = {"s": ['<p id="negative">Below zero.</p>']}


class CounterByHandView(LiveView):
    """The demo counter, its tree built by hand: the framework's share of a click."""

    async def mount(self, socket, session):
        socket.context = {"count": 0}

    async def handle_event(self, event, payload, socket):
        if event == "increment":
            socket.context["count"] += 1
        elif event == "decrement":
            socket.context["count"] -= 1

    def render(self, context):
        count = context["count"]
        return {"0": str(count), "1": _NEGATIVE if count < 0 else "", "s": _COUNTER_STATICS}
