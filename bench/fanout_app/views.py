"""`/fanout/` subscribes to TOPIC and shows the last message; `/fanout/?fire=1` does not
subscribe and broadcasts on each `fire` event, stamping the message with the wall clock.

`/fanout-nested/` is the same view with one child LiveView (`{% live_render %}`, id
`child`) that subscribes too: two views on the page's one websocket, as the Phoenix client
multiplexes them (bench/idle.py `--views-per-socket 2`)."""
from __future__ import annotations

import time

from django.template import engines

from liveview import LiveView, is_connected
from liveview.core.render import render_tree

TOPIC = "bench:fanout"
# One text value: the per-view cost measured is the fan-out's, plus the smallest render.
_TEMPLATE = engines["django"].from_string('<p id="stamp">{{ stamp }}</p>')
_NESTED_TEMPLATE = engines["django"].from_string(
    '{% load liveview %}<p id="stamp">{{ stamp }}</p>'
    '{% live_render "bench.fanout_app.views.FanoutChild" id="child" %}')


class FanoutView(LiveView):
    async def mount(self, socket, session):
        socket.context = {"stamp": ""}

    async def handle_params(self, url, params, socket):
        if is_connected(socket) and "fire" not in params:
            await socket.subscribe(TOPIC)

    async def handle_event(self, event, payload, socket):
        if event == "fire":
            await socket.broadcast(TOPIC, {"n": int(payload["n"]), "t": time.time()})

    async def handle_info(self, event, socket):
        socket.context["stamp"] = f"{event.payload['n']}@{event.payload['t']!r}"

    def render(self, context):
        return render_tree(_TEMPLATE, context)


class FanoutNestedView(FanoutView):
    """FanoutView rendering one subscribed child: a page of two views."""

    def render(self, context):
        return render_tree(_NESTED_TEMPLATE, context)


class FanoutChild(FanoutView):
    """The child of FanoutNestedView: children get no handle_params, so it subscribes in mount."""

    async def mount(self, socket, session):
        socket.context = {"stamp": ""}
        if is_connected(socket):
            await socket.subscribe(TOPIC)
