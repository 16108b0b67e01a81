"""The counter of `demo_project` (same markup, same events) as a pyview app, for comparison.

Run only from a separate virtualenv that has `pyview-web` and a server (never a dependency of
this project): `socket_load.py --apps pyview --pyview-python /tmp/pyview-venv/bin/python`
starts `<that python> -m uvicorn bench.pyview_apps.counter:app`. The template is
`counter.html` beside this file (pyview finds it by the module's name).
"""
from __future__ import annotations

from typing import Any

from pyview import LiveView, LiveViewSocket, PyView


class CounterLiveView(LiveView):
    """Count, +/- buttons; `increment` and `decrement` events."""

    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {"count": 0}

    async def handle_event(self, event: str, payload: Any, socket: LiveViewSocket) -> None:
        if event == "increment":
            socket.context["count"] += 1
        elif event == "decrement":
            socket.context["count"] -= 1


app = PyView()
app.add_live_view("/counter/", CounterLiveView)
