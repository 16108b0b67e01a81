"""`/fanout/` subscribes to TOPIC and shows the last message; `/fanout/?fire=1` does not
subscribe and broadcasts on each `fire` event, stamping the message with the wall clock."""
from __future__ import annotations

import time

from django.template import engines

from liveview import LiveView, is_connected
from liveview.core.render import render_tree

TOPIC = "bench:fanout"
# One text value: the per-view cost measured is the fan-out's, plus the smallest render.
_TEMPLATE = engines["django"].from_string('<p id="stamp">{{ stamp }}</p>')


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
