"""Real-time demos: a chat room (pub/sub), a clock (schedule_info) and a "who is here"
counter (liveview.presence). They work in one process on the in-memory
channel layer and across processes on channels_redis (set LIVEVIEW_REDIS_URL)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, TypedDict

from liveview import (ConnectedLiveViewSocket, InfoEvent, LiveView, LiveViewSocket, is_connected,
                      presence)
from liveview.presence import PRESENCE_DIFF

from . import payloads

# Chat ----------------------------------------------------------------------------------------
CHAT_TOPIC = "chat:lobby"
MAX_MESSAGE = 500
MAX_NAME = 40
KEEP_MESSAGES = 50


class ChatMessage(TypedDict):
    name: str
    text: str
    at: str


class ChatContext(TypedDict):
    messages: list[ChatMessage]
    name: str
    sent: int
    error: str


class ChatLiveView(LiveView[ChatContext]):
    """Messages typed in one tab appear in every tab (every process, on Redis).

    The room has no history: a tab shows what was said while it was open (keep messages in a
    model to show history)."""

    template_name = "demos/chat.html"

    async def mount(self, socket: LiveViewSocket[ChatContext], session: Any) -> None:
        socket.context = {"messages": [], "name": f"Guest {socket.view_id[-4:]}", "sent": 0,
                          "error": ""}
        socket.live_title = "Chat"
        if is_connected(socket):
            await socket.subscribe(CHAT_TOPIC)

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[ChatContext]) -> None:
        if event != "send":
            return
        name = payloads.text(payload, "name").strip()[:MAX_NAME] or socket.context["name"]
        text = payloads.text(payload, "message").strip()
        socket.context["name"] = name
        if not text:
            socket.context["error"] = "Type a message first."
            return
        if len(text) > MAX_MESSAGE:
            socket.context["error"] = f"Messages are at most {MAX_MESSAGE} characters."
            return
        socket.context["error"] = ""
        socket.context["sent"] += 1  # a new form id: the browser gets an empty input
        # Plain values only (msgpack): the time as text, not a datetime.
        await socket.broadcast(CHAT_TOPIC, {
            "name": name, "text": text,
            "at": datetime.now(timezone.utc).strftime("%H:%M:%S")})

    async def handle_info(self, event: InfoEvent,
                          socket: ConnectedLiveViewSocket[ChatContext]) -> None:
        if event.name == CHAT_TOPIC:
            message = event.payload
            socket.context["messages"] = (socket.context["messages"] + [message])[-KEEP_MESSAGES:]


# Clock ---------------------------------------------------------------------------------------
class ClockContext(TypedDict):
    now: str
    ticks: int


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%H:%M:%S")


class ClockLiveView(LiveView[ClockContext]):
    """The server's time (UTC), pushed every second by schedule_info."""

    template_name = "demos/clock.html"

    async def mount(self, socket: LiveViewSocket[ClockContext], session: Any) -> None:
        socket.context = {"now": _now(), "ticks": 0}
        socket.live_title = "Clock"
        if is_connected(socket):
            socket.schedule_info(InfoEvent("tick"), 1)

    async def handle_info(self, event: InfoEvent,
                          socket: ConnectedLiveViewSocket[ClockContext]) -> None:
        if event.name == "tick":
            socket.context["now"] = _now()
            socket.context["ticks"] += 1


# Who is here ---------------------------------------------------------------------------------
PRESENCE_TOPIC = "presence:lobby"


class PresenceContext(TypedDict):
    me: str
    count: int
    others: list[str]


class PresenceLiveView(LiveView[PresenceContext]):
    """How many tabs have this page open, across every server process (liveview.presence).

    Each tab tracks itself on one topic and re-reads the list when a diff arrives. A closed
    tab leaves at once; the tabs of a process that died leave after three missed heartbeats
    (LIVEVIEW["PRESENCE_HEARTBEAT"], see docs/realtime.md).
    """

    template_name = "demos/presence.html"

    async def mount(self, socket: LiveViewSocket[PresenceContext], session: Any) -> None:
        me = socket.view_id[-6:]
        socket.context = {"me": me, "count": 1, "others": []}
        socket.live_title = "Who is here"
        if is_connected(socket):
            await socket.subscribe_presence(PRESENCE_TOPIC)
            user = socket.user
            name = user.get_username() if getattr(user, "is_authenticated", False) else ""
            await socket.track(PRESENCE_TOPIC, me, {"user": name})
            self.show(socket)

    async def handle_info(self, event: InfoEvent,
                          socket: ConnectedLiveViewSocket[PresenceContext]) -> None:
        if event.name == PRESENCE_DIFF:
            self.show(socket)

    def show(self, socket: ConnectedLiveViewSocket[PresenceContext]) -> None:
        tabs = sorted(presence.list(PRESENCE_TOPIC))  # one key per tab
        socket.context["count"] = len(tabs)
        socket.context["others"] = [tab for tab in tabs if tab != socket.context["me"]]
