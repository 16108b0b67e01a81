"""LiveViews with streams, on their own URLconf (used by test_streams.py)."""
from django.db import models  # noqa: F401  (querysets come from the auth user model below)
from django.template import engines
from django.urls import include, path

from liveview import LiveView
from liveview.core.render import render_tree

SOURCE = """<p id="title">{{ title }}</p><ul id="rows" phx-update="stream">
{% for dom_id, row in streams.rows %}<li id="{{ dom_id }}">{{ row.name }}</li>{% endfor %}
</ul>{% if show_users %}<ol id="users" phx-update="stream">{% for dom_id, u in streams.users %}<li id="{{ dom_id }}">{{ u.username }}</li>{% endfor %}</ol>{% endif %}"""


def row(n, name=None):
    return {"id": n, "name": name or f"row {n}"}


class StreamView(LiveView):
    """`rows` 1..3; events drive every stream operation."""

    def render(self, context):
        return render_tree(engines["django"].from_string(SOURCE), context)

    async def mount(self, socket, session):
        socket.context = {"title": "t", "show_users": False}
        socket.stream("rows", [row(1), row(2), row(3)])

    async def handle_event(self, event, payload, socket):
        n = int(payload.get("n", 0) or 0)
        if event == "append":
            socket.stream_insert("rows", row(n))
        elif event == "prepend":
            socket.stream_insert("rows", row(n), at=0)
        elif event == "update":
            socket.stream_insert("rows", row(n, payload["name"]))
        elif event == "update_only":
            socket.stream_insert("rows", row(n, payload["name"]), update_only=True)
        elif event == "delete":
            socket.stream_delete("rows", row(n))
        elif event == "reset":
            socket.stream("rows", [row(n)], reset=True)
        elif event == "limit":
            socket.stream_insert("rows", row(n), at=0, limit=int(payload["limit"]))
        elif event == "title":
            socket.context["title"] = payload["title"]
        elif event == "users":
            from django.contrib.auth.models import User

            socket.context["show_users"] = True
            socket.stream("users", User.objects.order_by("username"))  # evaluated at render


PLACES = engines["django"].from_string(
    """{% if open %}<ul id="a" phx-update="stream">{% for id, row in streams.rows %}"""
    """<li id="{{ id }}">{{ row.name }}</li>{% endfor %}</ul>{% endif %}"""
    """<p id="page">{{ page }}</p>{% include inner %}""")
INNER = engines["django"].from_string(
    """<ol id="b" phx-update="stream">{% for id, row in streams.more %}"""
    """<li id="{{ id }}">{{ row.name }}</li>{% endfor %}</ol>""")


class StreamPlacesView(LiveView):
    """A stream inside an {% if %}, another in an included template; `?page=` patches."""

    def render(self, context):
        return render_tree(PLACES, context)

    async def mount(self, socket, session):
        socket.context = {"open": True, "page": "1", "inner": INNER}
        socket.stream("rows", [row(1)])
        socket.stream("more", [row(10)])

    async def handle_params(self, url, params, socket):
        socket.context["page"] = params.get("page", ["1"])[0]

    async def handle_event(self, event, payload, socket):
        if event == "next":
            await socket.push_patch(f"/t/stream-places/?page={int(socket.context['page']) + 1}")
            socket.stream_insert("rows", row(2))
            socket.stream_insert("more", row(11), at=0)
        elif event == "toggle":
            socket.context["open"] = not socket.context["open"]
            if socket.context["open"]:
                socket.stream("rows", [row(3)], reset=True)


urlpatterns = [
    path("t/stream-places/", StreamPlacesView.as_view()),
    path("t/stream/", StreamView.as_view()),
    path("", include("demo_project.urls")),  # the page layout links to them
]
