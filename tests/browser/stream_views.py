"""Test-only LiveViews for tests/browser/test_streams.py, on their own URLconf (served through
stream_settings.py): a stream and a keyed list that one form drives operation by operation.

Every operation bumps `ops`, shown in `#ops`: a test waits for that number to know the server
has answered (and the client patched) before it asserts that something did NOT appear.
"""
from django.template import engines
from django.urls import include, path

from liveview import LiveView, is_connected
from liveview.core.render import render_tree

SOURCE = """{% load liveview %}<section class="lab">
<p>ops <span id="ops">{{ ops }}</span>, mounted <span id="mounted">{{ mounted }}</span></p>
<form id="lab" phx-submit="op">
  <input id="op" name="op"><input id="n" name="n"><input id="name" name="name">
  <input id="at" name="at"><input id="limit" name="limit">
  <input id="update-only" name="update_only"><input id="from" name="from"><input id="to" name="to">
  <button id="run" type="submit">run</button>
</form>
<ul id="rows" phx-update="stream">
{% for dom_id, row in streams.rows %}<li id="{{ dom_id }}" class="row">{{ row.name }}</li>{% endfor %}
</ul>
<ol id="items">{% for item in items %}{% live_key item.id %}
  <li id="item-{{ item.id }}">{{ item.title }}</li>{% endfor %}
</ol>
</section>"""
_TEMPLATE = engines["django"].from_string(SOURCE)


def row(n, name=None):
    return {"id": n, "name": name or f"row {n}"}


def _int(value, default=None):
    return int(value) if str(value or "").lstrip("-").isdigit() else default


class StreamLabView(LiveView):
    """`rows`: 1..3 (the HTTP render also has row 99 and says "dead", the join render says
    "live"); `items`: a keyed list of 10 items. The form's `op` picks the operation."""

    def render(self, context):
        return render_tree(_TEMPLATE, context)

    async def mount(self, socket, session):
        live = is_connected(socket)
        socket.context = {"ops": 0, "mounted": "live" if live else "dead",
                          "items": [{"id": i, "title": f"Item {i}"} for i in range(1, 11)]}
        when = "live" if live else "dead"
        # Row 99 only in the HTTP render: the join render must make it disappear.
        numbers = [1, 2, 3] if live else [1, 2, 3, 99]
        socket.stream("rows", [row(n, f"row {n} {when}") for n in numbers])

    async def handle_event(self, event, payload, socket):
        op = payload.get("op")
        n = _int(payload.get("n"), 0)
        at, limit = _int(payload.get("at"), -1), _int(payload.get("limit"))
        if op == "insert":
            socket.stream_insert("rows", row(n, payload.get("name")), at=at, limit=limit,
                                 update_only=payload.get("update_only") == "1")
        elif op == "insert_many":  # n rows from n: "n-count" (e.g. 10-5 inserts 10..14)
            first, count = (int(part) for part in payload["name"].split("-"))
            socket.stream("rows", [row(i) for i in range(first, first + count)], at=at,
                          limit=limit)
        elif op == "move_row":  # a stream has no move: delete, then insert at the new place
            socket.stream_delete_by_dom_id("rows", f"rows-{n}")
            socket.stream_insert("rows", row(n, payload.get("name")), at=at,
                                 update_only=payload.get("update_only") == "1")
        elif op == "delete":
            socket.stream_delete_by_dom_id("rows", f"rows-{n}")
        elif op == "reset":  # name: the row numbers that replace everything, "5,6"
            numbers = [int(part) for part in payload["name"].split(",") if part]
            socket.stream("rows", [row(i) for i in numbers], reset=True)
        elif op == "move":
            items = list(socket.context["items"])
            items.insert(_int(payload.get("to"), 0), items.pop(_int(payload.get("from"), 0)))
            socket.context["items"] = items
        elif op == "reverse":
            socket.context["items"] = socket.context["items"][::-1]
        elif op == "rename":
            items = list(socket.context["items"])
            index = _int(payload.get("from"), 0)
            items[index] = {**items[index], "title": payload.get("name")}
            socket.context["items"] = items
        socket.context["ops"] += 1


urlpatterns = [
    path("t/streams/", StreamLabView.as_view()),
    path("", include("demo_project.urls")),  # the page layout links to them
]
