"""LiveViews whose state changes in place (used by test_change_tracking.py)."""
from __future__ import annotations

import dataclasses
from typing import Any

from django.template import Engine, Library
from django.urls import include, path

from liveview import LiveView
from liveview.core.render import render_tree

register = Library()
#: How many times `counted` ran: a dynamic kept from the last render does not run it.
CALLS = {"counted": 0}


@register.filter
def counted(value: Any) -> Any:
    """Its input; counts its calls."""
    CALLS["counted"] += 1
    return value


SOURCE = """{% load tracking %}<p id="count">{{ count }}</p><ul>{% for row in rows %}
<li>{{ row.name|counted }}{% if row.tags %} ({{ row.tags|join:", " }}){% endif %}</li>{% endfor %}
</ul><p id="extra">{{ extra|join:"," }}</p>"""
ENGINE = Engine(libraries={"tracking": "tests.runtime.tracking_urls"})
TEMPLATE = ENGINE.from_string(SOURCE)


@dataclasses.dataclass
class TableContext:
    count: int
    rows: list[dict[str, Any]]
    extra: list[str]


class TrackedView(LiveView):
    """Each event changes the state as handlers do, in place or by reassignment."""

    #: socket.context as a dataclass instead of a dict.
    dataclass = False

    async def mount(self, socket, session):
        # `extra` is also held by the view: appending to it never touches socket.context.
        self.extra: list[str] = []
        rows = [{"name": f"row {i}", "tags": []} for i in range(5)]
        if self.dataclass:
            socket.context = TableContext(count=0, rows=rows, extra=self.extra)
        else:
            socket.context = {"count": 0, "rows": rows, "extra": self.extra}

    async def handle_event(self, event, payload, socket):
        context = socket.context
        rows = context["rows"] if isinstance(context, dict) else context.rows
        if event == "inc":
            if isinstance(context, dict):
                context["count"] += 1
            else:
                context.count += 1  # a dataclass field set
        elif event == "rename":
            rows[int(payload["index"])]["name"] = payload["name"]
        elif event == "tag":
            rows[int(payload["index"])]["tags"].append(payload["tag"])
        elif event == "alias":
            self.extra.append(payload["value"])

    def render(self, context):
        return render_tree(TEMPLATE, context)


class TrackedDataclassView(TrackedView):
    """The same with a dataclass context: its fields are set in place."""

    dataclass = True


urlpatterns = [
    path("t/tracked/", TrackedView.as_view()),
    path("t/tracked-dataclass/", TrackedDataclassView.as_view()),
    path("", include("tests.runtime.urls")),
]
