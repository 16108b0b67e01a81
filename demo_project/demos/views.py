"""The demo LiveViews, written exactly as a user of the library would."""
from typing import TypedDict

from liveview import LiveView, LiveViewSocket


class CounterContext(TypedDict):
    count: int


class CounterLiveView(LiveView[CounterContext]):
    """The pyview README counter: +/- buttons, `?c=5` sets the start value."""

    template_name = "demos/counter.html"

    async def mount(self, socket: LiveViewSocket[CounterContext], session):
        socket.context = {"count": 0}
        socket.live_title = "Counter"

    async def handle_params(self, url, params, socket: LiveViewSocket[CounterContext]):
        if "c" in params:
            try:
                socket.context["count"] = int(params["c"][0])
            except ValueError:
                pass

    async def handle_event(self, event, payload, socket: LiveViewSocket[CounterContext]):
        if event == "increment":
            socket.context["count"] += 1
        elif event == "decrement":
            socket.context["count"] -= 1
