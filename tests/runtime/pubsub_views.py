"""LiveViews for the pub/sub and timer tests (routed by `urlpatterns` below)."""
from __future__ import annotations

import asyncio

from django.urls import include, path

from liveview import InfoEvent, is_connected
from tests.runtime.views import StringTemplateView as SourceView

#: Every handle_info call, as (view id, event name, payload, "start"/"end"), across views.
INFO_LOG: list[tuple[str, str, object, str]] = []


class RoomView(SourceView):
    """Subscribes to `?topic=` (repeatable); `say` broadcasts; handle_info appends."""

    source = ("<ul id='messages'>{% for m in messages %}<li>{{ m }}</li>{% endfor %}</ul>"
              "<p id='events'>{{ events }}</p>")

    async def mount(self, socket, session):
        socket.context = {"messages": [], "events": 0, "topics": []}

    async def handle_params(self, url, params, socket):
        if is_connected(socket):
            for topic in params.get("topic", []):
                await socket.subscribe(topic)
                socket.context["topics"].append(topic)
            for name, seconds in zip(params.get("every", []), params.get("seconds", [])):
                socket.schedule_info(InfoEvent(name), float(seconds))
            socket.context["farewell"] = params.get("farewell", [None])[0]
            for name in params.get("once", []):
                socket.schedule_info_once(name, 0.01)

    async def handle_event(self, event, payload, socket):
        socket.context["events"] += 1
        if event == "say":
            await socket.broadcast(payload["topic"], payload["text"])
        elif event == "say_object":
            await socket.broadcast(payload["topic"], object())
        elif event == "schedule":
            socket.schedule_info(InfoEvent(payload["name"], payload.get("payload")),
                                 float(payload["seconds"]))
        elif event == "schedule_once":
            socket.schedule_info_once(InfoEvent(payload["name"], payload.get("payload")),
                                      float(payload["seconds"]))
        elif event == "navigate":
            await socket.push_navigate(payload["to"])
        elif event == "slow":
            await asyncio.sleep(float(payload["seconds"]))

    async def handle_info(self, event, socket):
        INFO_LOG.append((socket.view_id, event.name, event.payload, "start"))
        if event.payload == "boom":
            raise RuntimeError("handle_info exploded")
        if isinstance(event.payload, str) and event.payload.startswith("sleep:"):
            await asyncio.sleep(float(event.payload[6:]))
        if isinstance(event.payload, dict) and "items" in event.payload:
            event.payload["items"].append(socket.view_id)  # must not leak to other views
            socket.context["messages"].append(f"{event.name}=items:{len(event.payload['items'])}")
        else:
            socket.context["messages"].append(f"{event.name}={event.payload}")
        INFO_LOG.append((socket.view_id, event.name, event.payload, "end"))


    async def disconnect(self, socket):
        """Optional hook: runs when the view ends (leave, navigation, closed socket)."""
        farewell = socket.context.get("farewell")
        if farewell == "raise":
            raise RuntimeError("disconnect exploded")
        if farewell:
            await socket.broadcast(farewell, f"bye from {socket.view_id}")


urlpatterns = [
    path("rt/room/", RoomView.as_view(), name="rt-room"),
    path("", include("demo_project.urls")),  # the layout links to the demo index
]
