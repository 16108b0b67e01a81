"""`bench/fanout_app`'s view as a pyview app, for `fanout.py --scenarios pyview`.

`/fanout/` subscribes to one topic and shows the last message; `/fanout/?fire=1` does not
subscribe and broadcasts on each `fire` event, stamped with the wall clock. Runs only from a
separate virtualenv with `pyview-web` (never a dependency of this project); the template is
`fanout.html` beside this file.
"""
from __future__ import annotations

import time
from typing import Any

from pyview import LiveView, LiveViewSocket, PyView, is_connected

TOPIC = "bench:fanout"


class FanoutLiveView(LiveView):
    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {"stamp": ""}

    async def handle_params(self, url: Any, params: Any, socket: LiveViewSocket) -> None:
        if is_connected(socket) and "fire" not in params:
            await socket.subscribe(TOPIC)

    async def handle_event(self, event: str, payload: Any, socket: LiveViewSocket) -> None:
        if event == "fire":
            await socket.broadcast(TOPIC, {"n": int(payload["n"]), "t": time.time()})

    async def handle_info(self, event: Any, socket: LiveViewSocket) -> None:
        socket.context["stamp"] = f"{event.payload['n']}@{event.payload['t']!r}"


app = PyView()
app.add_live_view("/fanout/", FanoutLiveView)
