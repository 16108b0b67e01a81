"""A view and a component with every measured stage, on their own URLconf (test_telemetry.py)."""
from __future__ import annotations

import asyncio
from typing import Any

from django.template import engines
from django.urls import include, path

from liveview import LiveComponent, LiveView, is_connected
from liveview.core.render import render_tree

_templates: dict[str, Any] = {}


def template(source: str) -> Any:
    if source not in _templates:
        _templates[source] = engines["django"].from_string(source)
    return _templates[source]


class Card(LiveComponent):
    """Counts its flips; `boom` raises."""

    def render(self, context):
        return render_tree(template(
            '<div id="card">{{ label }} {{ flips }}'
            '<button phx-click="flip" phx-target="{{ myself }}">flip</button></div>'), context)

    def mount(self, socket):
        socket.context["flips"] = 0

    async def update(self, assigns, socket):
        socket.context.update(assigns)

    async def handle_event(self, event, payload, socket):
        if event == "boom":
            raise RuntimeError("card exploded")
        socket.context["flips"] += 1


class MeteredView(LiveView):
    """Each stage on demand: events `inc`, `boom`, `tell` (handle_info), `job` (handle_async)."""

    def render(self, context):
        return render_tree(template(
            "{% load liveview %}<p id='n'>{{ n }}</p><p id='q'>{{ q }}</p>"
            "{% live_component card id='c' label=label %}"), context)

    async def mount(self, socket, session):
        socket.context = {"n": 0, "q": "", "card": Card, "label": "card"}

    async def handle_params(self, url, params, socket):
        socket.context["q"] = params.get("q", [""])[0]
        if socket.context["q"] == "boom":
            raise RuntimeError("params exploded")

    async def handle_event(self, event, payload, socket):
        if event == "boom":
            raise RuntimeError("handler exploded")
        if event == "inc":
            socket.context["n"] += 1
        elif event == "relabel":
            socket.context["label"] = payload["label"]
        elif event == "tell":
            socket.send_info("add", 10)
        elif event == "job":
            socket.start_async("job", asyncio.sleep(0, result=100))
        elif event == "patch":
            await socket.push_patch("/m/", {"q": payload["q"]})
        elif event == "stall":
            await asyncio.sleep(30)

    async def handle_info(self, event, socket):
        socket.context["n"] += event.payload

    async def handle_async(self, name, result, socket):
        socket.context["n"] += result.result


class MountCrashView(MeteredView):
    """Renders over HTTP; its connected mount raises."""

    async def mount(self, socket, session):
        await super().mount(socket, session)
        if is_connected(socket):
            raise RuntimeError("mount exploded")


urlpatterns = [
    path("m/", MeteredView.as_view()),
    path("m/crash/", MountCrashView.as_view()),
    path("", include("demo_project.urls")),  # the page layout links to them
]
