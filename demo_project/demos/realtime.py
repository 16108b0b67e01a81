"""Real-time demos: a chat room (pub/sub), a clock (schedule_info) and a "who is here"
counter (pub/sub presence without shared storage). They work in one process on the in-memory
channel layer and across processes on channels_redis (set LIVEVIEW_REDIS_URL)."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, TypedDict

from liveview import ConnectedLiveViewSocket, InfoEvent, LiveView, LiveViewSocket, is_connected

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
        name = (payload.get("name") or "").strip()[:MAX_NAME] or socket.context["name"]
        text = (payload.get("message") or "").strip()
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
BEAT_SECONDS = 5.0
# A tab not heard of for this long is gone (its process died without saying goodbye).
EXPIRE_SECONDS = 3 * BEAT_SECONDS


class PresenceContext(TypedDict):
    me: str
    count: int
    others: list[str]
    seen: dict[str, float]


class PresenceLiveView(LiveView[PresenceContext]):
    """How many tabs have this page open, across every server process.

    No shared storage: each tab keeps its own set of members, built from messages.
    - a tab that opens broadcasts `join`; every member answers `here` to the newcomer alone
      (on its own topic), so the newcomer knows everyone at once;
    - a tab that closes broadcasts `leave` (LiveView.disconnect);
    - every tab broadcasts `beat` every BEAT_SECONDS and forgets members not heard of for
      EXPIRE_SECONDS, so a crashed server process's tabs disappear too, a little later.
    Cost: N tabs exchange N beats per BEAT_SECONDS, each delivered to N tabs (N² / 5 s):
    fine for dozens of tabs; for thousands keep the set in Redis (a sorted set of last-seen
    times) and broadcast only the count.
    """

    template_name = "demos/presence.html"

    async def mount(self, socket: LiveViewSocket[PresenceContext], session: Any) -> None:
        me = socket.view_id
        socket.context = {"me": me[-6:], "count": 1, "others": [], "seen": {}}
        socket.live_title = "Who is here"
        if is_connected(socket):
            await socket.subscribe(PRESENCE_TOPIC)
            await socket.subscribe(f"{PRESENCE_TOPIC}:{me}")  # answers meant for this tab
            await socket.broadcast(PRESENCE_TOPIC, {"kind": "join", "id": me})
            socket.schedule_info(InfoEvent("beat"), BEAT_SECONDS)

    async def handle_info(self, event: InfoEvent,
                          socket: ConnectedLiveViewSocket[PresenceContext]) -> None:
        me = socket.view_id
        seen = socket.context["seen"]
        if event.name == "beat":
            await socket.broadcast(PRESENCE_TOPIC, {"kind": "beat", "id": me})
            deadline = time.monotonic() - EXPIRE_SECONDS
            for member, last in list(seen.items()):
                if last < deadline:
                    del seen[member]
        elif isinstance(event.payload, dict) and event.payload.get("id") != me:
            kind, member = event.payload.get("kind"), str(event.payload.get("id"))
            if kind == "leave":
                seen.pop(member, None)
            elif kind in ("join", "here", "beat"):
                seen[member] = time.monotonic()
                if kind == "join":
                    await socket.broadcast(f"{PRESENCE_TOPIC}:{member}",
                                           {"kind": "here", "id": me})
        socket.context["count"] = 1 + len(seen)
        socket.context["others"] = sorted(member[-6:] for member in seen)

    async def disconnect(self, socket: ConnectedLiveViewSocket[PresenceContext]) -> None:
        """The tab closed or navigated away: tell the others now rather than at expiry."""
        await socket.broadcast(PRESENCE_TOPIC, {"kind": "leave", "id": socket.view_id})
