"""Test-only LiveViews for the server-process tests (served through settings.py).

`/t/slow/`: a counter whose `slow` event sleeps before counting (a handler in flight when the
server is told to stop); `/t/big/`: replies of any size; `/t/boom/`: a handler that raises.
"""
import asyncio

from django.template import engines
from django.urls import include, path

from liveview import LiveView
from liveview.core.render import render_tree

_COUNTER = engines["django"].from_string(
    '<p id="count">{{ count }}</p><p id="big">{{ big }}</p>')


class SlowCounterView(LiveView):
    """`inc` counts at once; `slow` waits `seconds` first; `big` renders `size` characters."""

    def render(self, context):
        return render_tree(_COUNTER, context)

    def mount(self, socket, session):
        socket.context.update(count=0, big="")

    async def handle_event(self, event, payload, socket):
        if event == "slow":
            await asyncio.sleep(float(payload.get("seconds", 1)))
        if event == "big":
            socket.context["big"] = "x" * int(payload.get("size", 0))
        if event == "boom":
            raise ValueError("boom handler exploded")
        socket.context["count"] += 1


urlpatterns = [
    path("t/slow/", SlowCounterView.as_view()),
    path("", include("demo_project.urls")),
]
