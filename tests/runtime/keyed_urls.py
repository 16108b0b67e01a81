"""A LiveView with a keyed list, on its own URLconf (used by test_keyed_lists.py)."""
from django.template import engines
from django.urls import include, path

from liveview import LiveView
from liveview.core.render import render_tree

SOURCE = """{% load liveview %}<ul id="items">{% for item in items %}
  {% live_key item.id %}
  <li id="item-{{ item.id }}">{{ item.title }}</li>{% endfor %}
</ul>"""


class KeyedListView(LiveView):
    """`items` ids 1..200; events prepend, drop the first, move one item, rename one."""

    def render(self, context):
        return render_tree(engines["django"].from_string(SOURCE), context)

    async def mount(self, socket, session):
        socket.context = {"items": [{"id": i, "title": f"Item {i}"} for i in range(1, 201)]}

    async def handle_event(self, event, payload, socket):
        items = list(socket.context["items"])
        if event == "prepend":
            items.insert(0, {"id": 0, "title": "New <item>"})
        elif event == "drop_first":
            items.pop(0)
        elif event == "move":
            items.insert(int(payload["to"]), items.pop(int(payload["from"])))
        elif event == "rename":
            index = int(payload["index"])
            items[index] = {**items[index], "title": payload["title"]}
        socket.context["items"] = items


urlpatterns = [
    path("t/keyed/", KeyedListView.as_view()),
    path("", include("demo_project.urls")),  # the page layout links to them
]
