"""LiveViews with live components, on their own URLconf (used by test_components.py)."""
from __future__ import annotations

import weakref
from typing import Any

from django import forms
from django.template import engines
from django.urls import include, path

from liveview import CallbackWriter, LiveComponent, LiveView, bind_form
from liveview.core.render import render_tree

_templates: dict[str, Any] = {}


def template(source: str) -> Any:
    """One Template per source, as the cached loader gives (components share statics)."""
    if source not in _templates:
        _templates[source] = engines["django"].from_string(source)
    return _templates[source]


class Counter(LiveComponent):
    """A counter with its own state; `alive` holds every instance not yet freed."""

    alive: weakref.WeakSet[Counter] = weakref.WeakSet()
    updates = 0

    def render(self, context):
        return render_tree(template(
            '<div id="counter-{{ id }}">{{ label }}: {{ count }}'
            '<button phx-click="inc" phx-target="{{ myself }}">+</button></div>'), context)

    def mount(self, socket):
        Counter.alive.add(self)
        socket.context["count"] = 0

    async def update(self, assigns, socket):
        Counter.updates += 1
        socket.context.update(assigns)
        if "add" in assigns:
            socket.context["count"] += assigns["add"]

    async def handle_event(self, event, payload, socket):
        if event == "inc":
            socket.context["count"] += 1
        elif event == "poke_other":
            socket.send_update(Counter, id=payload["id"], add=10)
        elif event == "shout":
            await socket.push_event("shout", {"cid": socket.myself})
        elif event == "later":
            socket.send_update_after(socket.myself, seconds=0.01, add=100)
        elif event == "patch":
            await socket.push_patch("/t/components/", {"from": socket.myself})
        elif event == "tell_view":
            socket.send_parent("title_from_component", f"set by {socket.myself}")


class Panel(LiveComponent):
    """A component holding counters: components inside components."""

    def render(self, context):
        return render_tree(template(
            '{% load liveview %}<section id="panel-{{ id }}"><h2>{{ name }}</h2>'
            '{% for c in counters %}{% live_component counter_class id=c label=name %}'
            '{% endfor %}</section>'), context)

    def mount(self, socket):
        socket.context["counter_class"] = Counter


class NameForm(forms.Form):
    name = forms.CharField(max_length=5)
    email = forms.EmailField()


class FormComponent(LiveComponent):
    """Live validation inside a component."""

    saved: list[dict[str, Any]] = []

    def render(self, context):
        return render_tree(template(
            '<form id="f-{{ id }}" phx-change="validate" phx-submit="save" '
            'phx-target="{{ myself }}">{{ form.name }}{{ form.name.errors }}'
            '{{ form.email }}{{ form.email.errors }}<p>{{ status }}</p></form>'), context)

    def mount(self, socket):
        socket.context.update(form=bind_form(NameForm), status="")

    def handle_event(self, event, payload, socket):
        form = bind_form(NameForm, payload)
        socket.context["form"] = form
        if event == "save" and form.is_valid():
            FormComponent.saved.append(form.cleaned_data)
            socket.context["status"] = "saved"


class UploadBox(LiveComponent):
    """An upload inside a component: entries, progress callback, consume on submit."""

    def render(self, context):
        return render_tree(template(
            "{% load liveview %}<div id='box-{{ id }}'><form phx-change='validate' "
            "phx-submit='save' phx-target='{{ myself }}'>{% live_file_input up %}</form>"
            "{% for e in up.entries %}<i data-progress='{{ e.progress }}'>{{ e.name }}</i>"
            "{% endfor %}<p class='log'>{{ log|join:' ' }}</p>"
            "<p class='saved'>{{ saved|join:' ' }}</p></div>"), context)

    def mount(self, socket):
        # Boxes whose id starts with "w" stream into a writer, with "x" upload externally.
        extra = {"writer": self.writer} if str(socket.id).startswith("w") else \
            {"external": self.presign} if str(socket.id).startswith("x") else {}
        socket.context.update(up=socket.allow_upload("up", {"max_file_size": 100},
                                                     progress=self.on_progress, **extra),
                              log=[], saved=[])

    def writer(self, name, entry, socket):  # gets this component's socket and upload name
        chunks = []
        return CallbackWriter(chunks.append, meta=lambda: {
            "by": f"{name}@{socket.cid}", "data": b"".join(chunks).decode()})

    def presign(self, entry, socket):
        return {"uploader": "T", "by": f"external@{socket.cid}"}

    async def on_progress(self, entry, socket):
        socket.context["log"].append(f"{socket.cid}:{entry.progress}")

    async def handle_event(self, event, payload, socket):
        if event == "save":
            def read(upload, entry):
                if isinstance(upload, dict):  # a writer's or an external upload's meta
                    return f"{entry.name}={upload.get('data', '')}({upload['by']})"
                return f"{upload.name}={upload.file.read().decode()}"

            socket.context["saved"] = await socket.consume_uploaded_entries("up", read)


PAGE = ('{% load liveview %}<main><h1>{{ title }}</h1>'
        '{% for id in ids %}{% live_component "tests.runtime.component_views.Counter" '
        'id=id label=label %}{% endfor %}'
        '{% if panel %}{% live_component panel_class id="p" name=panel counters=panel_ids %}'
        '{% endif %}'
        '{% if with_form %}{% live_component form_class id="signup" %}{% endif %}'
        '{% for u in uploaders %}{% live_component upload_class id=u %}{% endfor %}</main>')


class CountersView(LiveView):
    def render(self, context):
        return render_tree(template(PAGE), context)

    async def mount(self, socket, session):
        socket.context = {"title": "Counters", "ids": [1, 2], "label": "n", "panel": "",
                          "panel_ids": [], "panel_class": Panel, "form_class": FormComponent,
                          "with_form": False, "uploaders": [], "upload_class": UploadBox}

    async def handle_event(self, event, payload, socket):
        ctx = socket.context
        if event == "title":
            ctx["title"] = payload["value"]
        elif event == "label":
            ctx["label"] = payload["value"]
        elif event == "set_ids":
            ctx["ids"] = [int(i) for i in payload["value"].split(",") if i]
        elif event == "panel":
            ctx["panel"] = payload["name"]
            ctx["panel_ids"] = [int(i) for i in payload["ids"].split(",") if i]
        elif event == "form":
            ctx["with_form"] = True
        elif event == "uploaders":
            ctx["uploaders"] = [u for u in payload["value"].split(",") if u]
        elif event == "bump":
            socket.send_update(Counter, id=int(payload["id"]), add=int(payload["by"]))
        elif event == "bump_path":
            socket.send_update("tests.runtime.component_views.Counter", id=int(payload["id"]),
                               add=1)
        elif event == "subscribe":
            await socket.subscribe("counters")

    async def handle_params(self, url, params, socket):
        if "from" in params:
            socket.context["title"] = f"patched by {params['from'][0]}"

    async def handle_info(self, event, socket):
        if event.name == "title_from_component":
            socket.context["title"] = event.payload


class LazyView(LiveView):
    """A component placed before a lazy queryset: the render starts over in the ORM's thread."""

    def render(self, context):
        return render_tree(template(
            '{% load liveview %}{% live_component "tests.runtime.component_views.Counter" '
            'id=1 label="lazy" %}<p>{{ members|length }}</p>'), context)

    async def mount(self, socket, session):
        from demo_project.demos.models import Member

        socket.context = {"members": Member.objects.all()}

    async def handle_event(self, event, payload, socket):
        pass


urlpatterns = [
    path("t/components/", CountersView.as_view()),
    path("t/components/lazy/", LazyView.as_view()),
    path("", include("demo_project.urls")),  # the page layout links to them
]
