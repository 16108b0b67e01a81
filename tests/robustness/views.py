"""Test-only LiveViews of the robustness suite, routed after every demo URL (`urlpatterns`).

- `/robust/crash/`: handlers that raise on purpose (`crash` events, `crash` broadcasts,
  `?crash=params` during the join); subscribed to `robust:crash` so a crashed view that stayed
  subscribed would show in memory.
- `/robust/publish/`: `flood` broadcasts `count` messages of `size` characters on
  `robust:flood`; `/robust/subscribe/` shows the last one.

Every intended crash raises `IntendedCrash` with `CRASH_MARK` in its message: the suite
accepts log lines about those and nothing else.
"""
from __future__ import annotations

import base64
import os
from typing import Any

from django.template import engines
from django.urls import path

from demo_project.urls import urlpatterns as demo_urlpatterns
from liveview import InfoEvent, LiveView, is_connected
from liveview.core.render import render_tree

CRASH_MARK = "robustness: intended crash"
CRASH_TOPIC = "robust:crash"
FLOOD_TOPIC = "robust:flood"
MAX_FLOOD = 2000
MAX_SIZE = 100_000


class IntendedCrash(RuntimeError):
    """Raised by the crash view's handlers on purpose."""


class _SourceView(LiveView):
    source = ""

    def render(self, context: Any) -> Any:
        template = type(self).__dict__.get("_compiled")
        if template is None:
            template = engines["django"].from_string(self.source)
            type(self)._compiled = template
        return render_tree(template, context)


def _int(value: Any, default: int, most: int) -> int:
    """A client-sent count: digits only, at most `most`."""
    text = str(value) if isinstance(value, (str, int)) else ""
    return min(int(text), most) if text.isdigit() else default


class CrashView(_SourceView):
    source = "<p id='n'>{{ n }}</p>"

    async def mount(self, socket: Any, session: Any) -> None:
        socket.context = {"n": 0}
        if is_connected(socket):
            await socket.subscribe(CRASH_TOPIC)

    async def handle_params(self, url: Any, params: Any, socket: Any) -> None:
        if is_connected(socket) and params.get("crash") == ["params"]:
            raise IntendedCrash(f"{CRASH_MARK} in handle_params")

    async def handle_event(self, event: str, payload: Any, socket: Any) -> None:
        if event == "crash":
            raise IntendedCrash(f"{CRASH_MARK} in handle_event")
        if event == "crash_all":
            await socket.broadcast(CRASH_TOPIC, "crash")
        socket.context["n"] += 1

    async def handle_info(self, event: InfoEvent, socket: Any) -> None:
        if event.payload == "crash":
            raise IntendedCrash(f"{CRASH_MARK} in handle_info")


class FloodPublisherView(_SourceView):
    source = "<p id='sent'>{{ sent }}</p>"

    async def mount(self, socket: Any, session: Any) -> None:
        socket.context = {"sent": 0}

    async def handle_event(self, event: str, payload: Any, socket: Any) -> None:
        if event != "flood" or not isinstance(payload, dict):
            return
        count = _int(payload.get("count"), 1, MAX_FLOOD)
        size = _int(payload.get("size"), 100, MAX_SIZE)
        for _ in range(count):
            socket.context["sent"] += 1
            # A new, incompressible body each time: every message is a diff of about `size`
            # characters, permessage-deflate (uvicorn) or not.
            body = base64.b64encode(os.urandom(size * 3 // 4)).decode()
            await socket.broadcast(FLOOD_TOPIC, {"n": socket.context["sent"], "body": body})


class FloodSubscriberView(_SourceView):
    source = "<p id='n'>{{ n }}</p><pre>{{ body }}</pre>"

    async def mount(self, socket: Any, session: Any) -> None:
        socket.context = {"n": 0, "body": ""}
        if is_connected(socket):
            await socket.subscribe(FLOOD_TOPIC)

    async def handle_info(self, event: InfoEvent, socket: Any) -> None:
        message = event.payload
        if isinstance(message, dict):
            socket.context["n"] = message.get("n", 0)
            socket.context["body"] = message.get("body", "")


urlpatterns = [
    *demo_urlpatterns,
    path("robust/crash/", CrashView.as_view()),
    path("robust/publish/", FloodPublisherView.as_view()),
    path("robust/subscribe/", FloodSubscriberView.as_view()),
]
