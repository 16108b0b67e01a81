"""Nested and sticky LiveViews: a dashboard holding child LiveViews (a counter, a list of
tickers, one inside a form), and a sticky "player" panel that keeps running while the page
moves between the dashboard and a second view of the same live session."""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from liveview import ConnectedLiveViewSocket, InfoEvent, LiveView, LiveViewSocket, is_connected

from . import payloads

LIVE_SESSION = "nested-demo"


class DashboardLiveView(LiveView):
    """The parent: its own state (a note typed in a form, a click count) next to children."""

    template_name = "demos/nested_dashboard.html"
    live_session = LIVE_SESSION

    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {"note": "", "clicks": 0, "show_counter": True,
                          "counter_session": {"start": 5},
                          "tickers": [_ticker("alpha"), _ticker("beta")]}
        socket.live_title = "Nested LiveViews"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket) -> None:
        if event == "note":
            socket.context["note"] = payloads.text(payload, "note")
        elif event == "click":
            socket.context["clicks"] += 1
        elif event == "toggle-counter":
            socket.context["show_counter"] = not socket.context["show_counter"]
        elif event == "drop-ticker" and socket.context["tickers"]:
            socket.context["tickers"] = socket.context["tickers"][:-1]


def _ticker(name: str) -> dict[str, Any]:
    return {"id": f"ticker-{name}", "session": {"name": name}}


class CounterChild(LiveView):
    """A child with its own state and handlers; `crash` raises (only this child restarts),
    `leave` live-navigates the page (navigation from a child acts on the root view)."""

    template_name = "demos/nested_counter.html"

    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {"count": int(session.get("start", 0)),
                          "label": session.get("label", "")}

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket) -> None:
        if event == "inc":
            socket.context["count"] += 1
        elif event == "crash":
            raise RuntimeError("the counter child crashed on purpose (demo)")
        elif event == "leave":
            await socket.push_navigate(reverse("nested-other"))


class TickerChild(LiveView):
    """A child rendered in a {% for %}: ticks every second while it is on the page."""

    template_name = "demos/nested_ticker.html"
    container_tag = "li"

    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {"name": session["name"], "ticks": 0}
        if is_connected(socket):
            socket.schedule_info(InfoEvent("tick"), 1)

    async def handle_info(self, event: InfoEvent, socket: ConnectedLiveViewSocket) -> None:
        socket.context["ticks"] += 1
        socket.schedule_info(InfoEvent("tick"), 1)


class PlayerLiveView(LiveView):
    """The sticky panel: plays (counts seconds) across live navigation."""

    template_name = "demos/nested_player.html"

    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {"track": session.get("track", ""), "playing": False, "elapsed": 0,
                          "skips": 0}

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket) -> None:
        if event == "play" and not socket.context["playing"]:
            socket.context["playing"] = True
            socket.schedule_info(InfoEvent("second"), 1)
        elif event == "pause":
            socket.context["playing"] = False
        elif event == "skip":
            socket.context["skips"] += 1

    async def handle_info(self, event: InfoEvent, socket: ConnectedLiveViewSocket) -> None:
        if socket.context["playing"]:
            socket.context["elapsed"] += 1
            socket.schedule_info(InfoEvent("second"), 1)


class OtherLiveView(LiveView):
    """A second view of the same live session: the player keeps running across the move."""

    template_name = "demos/nested_other.html"
    live_session = LIVE_SESSION

    async def mount(self, socket: LiveViewSocket, session: Any) -> None:
        socket.context = {}
        socket.live_title = "Another view"
