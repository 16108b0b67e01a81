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


urlpatterns = [
    path("t/stream/", StreamView.as_view()),
    path("", include("demo_project.urls")),  # the page layout links to them
]
