"""LiveViews and live components whose state changes in place (used by
test_change_tracking.py)."""
from __future__ import annotations

import dataclasses
from typing import Any

from django.template import Engine, Library
from django.urls import include, path

from liveview import LiveComponent, LiveView
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
ENGINE = Engine(libraries={"tracking": "tests.runtime.tracking_urls",
                           "liveview": "liveview.templatetags.liveview"})
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


# Components ----------------------------------------------------------------------------------

BOX_SOURCE = """{% load tracking liveview %}<div id="box-{{ id }}"><p>{{ count }}</p>
<p>{{ label }} {{ notes|join:"," }}</p><ul>{% for row in rows %}
<li>{{ row.name|counted }}{% if row.tags %} ({{ row.tags|join:", " }}){% endif %}</li>{% endfor %}
</ul>{% for child in children %}{% live_component box_class id=child label=label rows=rows %}
{% endfor %}</div>"""
BOX_TEMPLATE = ENGINE.from_string(BOX_SOURCE)


class TableBox(LiveComponent):
    """A component over rows it shares with its view (assign `rows`), with state of its own
    (`count`, `notes`) and components of its own (`children`), edited in place."""

    def render(self, context):
        return render_tree(BOX_TEMPLATE, context)

    def mount(self, socket):
        socket.context.update(count=0, notes=[], children=(), box_class=TableBox)

    async def handle_event(self, event, payload, socket):
        context = socket.context
        if event == "inc":
            context["count"] += 1
        elif event == "retype":  # equal, but renders differently
            context["count"] = float(context["count"])
        elif event == "rename":  # the view's rows, in place
            context["rows"][int(payload["index"])]["name"] = payload["name"]
        elif event == "tag":
            context["rows"][int(payload["index"])]["tags"].append(payload["tag"])
        elif event == "note":
            context["notes"].append(payload["note"])
        elif event == "poke":
            socket.send_update(TableBox, id=payload["id"], count=int(payload["count"]))


class ManyBox(TableBox):
    """The same, updated in batches (`update_many`), which edits contexts in place."""

    @classmethod
    def update_many(cls, assigns_and_sockets):
        for assigns, socket in assigns_and_sockets:
            socket.context.update(assigns)
            socket.context["notes"].append("u")


PAGE = """{% load liveview %}<main><h1>{{ title }}</h1>
{% live_component box_class id="top" label=label rows=rows children=nested %}
{% for b in boxes %}{% live_component box_class id=b label=label rows=rows %}{% endfor %}
{% if many %}{% live_component many_class id="many" label=label rows=rows %}{% endif %}
</main>"""
PAGE_TEMPLATE = ENGINE.from_string(PAGE)


class BoxesView(LiveView):
    """Components placed, updated, nested, removed and placed again."""

    async def mount(self, socket, session):
        socket.context = {
            "title": "boxes", "label": "l", "boxes": [], "nested": [], "many": False,
            "rows": [{"name": f"row {i}", "tags": []} for i in range(5)],
            "box_class": TableBox, "many_class": ManyBox}

    async def handle_event(self, event, payload, socket):
        context = socket.context
        if event in ("title", "label"):
            context[event] = payload["value"]
        elif event in ("boxes", "nested"):
            context[event] = [b for b in payload["value"].split(",") if b]
        elif event == "many":
            context["many"] = not context["many"]
        elif event == "rename":
            context["rows"][int(payload["index"])]["name"] = payload["name"]
        elif event == "bump":
            socket.send_update(TableBox, id=payload["id"], count=int(payload["count"]))

    def render(self, context):
        return render_tree(PAGE_TEMPLATE, context)


urlpatterns = [
    path("t/boxes/", BoxesView.as_view()),
    path("t/tracked/", TrackedView.as_view()),
    path("t/tracked-dataclass/", TrackedDataclassView.as_view()),
    path("", include("tests.runtime.urls")),
]
