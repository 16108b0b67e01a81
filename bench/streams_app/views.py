"""`/stream1000/`: a table whose rows are a stream of 1000 items at mount. `insert` puts one
new row on top (the client then holds 1001, the server none); `noop` changes nothing, for the
cost of an event alone."""
from __future__ import annotations

from django.template import engines

from liveview import LiveView
from liveview.core.render import render_tree

ROWS = 1000
# The row markup of bench/lists.py's table.
_TEMPLATE = engines["django"].from_string("""<table class="orders">
  <thead><tr><th>#</th><th>Name</th><th>Status</th></tr></thead>
  <tbody id="rows" phx-update="stream">
  {% for dom_id, row in streams.rows %}
    <tr id="{{ dom_id }}">
      <td>{{ row.id }}</td>
      <td>{{ row.name|title }}</td>
      <td>{% if row.active %}<span class="on">active</span>{% else %}off{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>""")


def row(i: int) -> dict:
    return {"id": i, "name": f"customer <{i}> & sons", "active": i % 3 != 0}


class Stream1000View(LiveView):
    async def mount(self, socket, session):
        socket.context = {"next": ROWS}
        socket.stream("rows", [row(i) for i in range(ROWS)])

    async def handle_event(self, event, payload, socket):
        if event == "insert":
            socket.stream_insert("rows", row(socket.context["next"]), at=0)
            socket.context["next"] += 1  # not rendered: the diff is the stream's alone

    def render(self, context):
        return render_tree(_TEMPLATE, context)


# `/table1000/`: a plain `{% for %}` over 1000 rows; `increment` changes one row's cell to the
# number of clicks (socket_load.py --apps table: a one-row change in a 1000-row table).
_TABLE = engines["django"].from_string("""<table class="orders">
  <thead><tr><th>#</th><th>Name</th><th>Status</th><th>Qty</th></tr></thead>
  <tbody id="rows">
  {% for row in rows %}
    <tr id="row-{{ row.id }}">
      <td>{{ row.id }}</td>
      <td>{{ row.name|title }}</td>
      <td>{% if row.active %}<span class="on">active</span>{% else %}off{% endif %}</td>
      <td>{{ row.qty }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>""")


class Table1000View(LiveView):
    async def mount(self, socket, session):
        socket.context = {"rows": [{**row(i), "qty": 0} for i in range(ROWS)]}

    async def handle_event(self, event, payload, socket):
        if event == "increment":
            socket.context["rows"][ROWS // 2]["qty"] += 1

    def render(self, context):
        return render_tree(_TABLE, context)
