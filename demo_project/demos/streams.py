"""Stream demos: an infinite feed over 100,000 generated rows, and a message board where
posts arrive at the top and any visitor can delete them for everyone.

Neither view keeps the rows it has sent: the browser holds them (see docs/streams.md)."""
from __future__ import annotations

import secrets
from typing import Any, TypedDict

from liveview import ConnectedLiveViewSocket, InfoEvent, LiveView, LiveViewSocket, is_connected

from . import payloads

# Feed ----------------------------------------------------------------------------------------
FEED_ROWS = 100_000
PAGE = 50
KEEP_PAGES = 3  # the DOM holds at most this many pages, whichever way you scroll


def feed_rows(page: int) -> list[dict[str, Any]]:
    """Rows of `page` (1-based), made up on the fly: nothing is stored anywhere."""
    first = (page - 1) * PAGE
    return [{"id": n, "title": f"Row {n + 1:,}", "even": n % 2 == 0}
            for n in range(first, min(first + PAGE, FEED_ROWS))]


def last_page() -> int:
    return (FEED_ROWS + PAGE - 1) // PAGE


class FeedContext(TypedDict):
    page: int
    last_page: int


class FeedLiveView(LiveView[FeedContext]):
    """Scroll down (or up again): pages of 50 rows load as the list's edges come into view;
    the page keeps at most 150 rows."""

    template_name = "demos/feed.html"

    async def mount(self, socket: LiveViewSocket[FeedContext], session: Any) -> None:
        socket.context = {"page": 1, "last_page": last_page()}
        socket.live_title = "Feed"
        socket.stream("rows", feed_rows(1))

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[FeedContext]) -> None:
        page = socket.context["page"]
        if event == "next-page" and page < last_page():
            socket.context["page"] = page + 1
            socket.stream("rows", feed_rows(page + 1), at=-1, limit=-KEEP_PAGES * PAGE)
        elif event == "prev-page" and page > KEEP_PAGES and not _overran(payload):
            # The page above the oldest one shown: inserted row by row at the top, last first.
            socket.context["page"] = page - 1
            above = page - KEEP_PAGES
            socket.stream("rows", reversed(feed_rows(above)), at=0, limit=KEEP_PAGES * PAGE)


def _overran(payload: Any) -> bool:
    """Whether a prev-page is the client's "scrolled past the top" report, which the feed
    ignores.

    The client reports an overrun on an upward scroll while the list's top edge is inside the
    window. The feed's list is its own scroll box, so its top edge always is: the first upward
    scroll is reported, even the browser's own when the oldest page is trimmed from the top
    on the way down (it scrolls up to keep the rows in place), which would move the feed back
    a page. A real scroll to the top also sends the plain prev-page, which moves up one page.
    """
    return isinstance(payload, dict) and payload.get("_overran") is True


# Message board -------------------------------------------------------------------------------
BOARD_TOPIC = "board:lobby"
MAX_TEXT = 300
MAX_NAME = 40
KEEP_POSTS = 100


class BoardContext(TypedDict):
    name: str
    sent: int
    error: str


class BoardLiveView(LiveView[BoardContext]):
    """Posts appear at the top in every open tab; deleting one removes it everywhere."""

    template_name = "demos/board.html"

    async def mount(self, socket: LiveViewSocket[BoardContext], session: Any) -> None:
        socket.context = {"name": f"Guest {socket.view_id[-4:]}", "sent": 0, "error": ""}
        socket.live_title = "Board"
        socket.stream_configure("posts", dom_id=lambda post: f"post-{post['id']}")
        socket.stream("posts", [])
        if is_connected(socket):
            await socket.subscribe(BOARD_TOPIC)

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[BoardContext]) -> None:
        if event == "post":
            name = payloads.text(payload, "name").strip()[:MAX_NAME] or socket.context["name"]
            text = payloads.text(payload, "text").strip()
            socket.context["name"] = name
            if not text or len(text) > MAX_TEXT:
                socket.context["error"] = f"Write 1 to {MAX_TEXT} characters."
                return
            socket.context["error"] = ""
            socket.context["sent"] += 1  # a new form id: the browser gets an empty input
            await socket.broadcast(BOARD_TOPIC, {"post": {
                "id": secrets.token_hex(6), "name": name, "text": text}})
        elif event == "delete":
            post_id = payloads.text(payload, "id")
            if post_id.isalnum():
                await socket.broadcast(BOARD_TOPIC, {"delete": post_id})

    async def handle_info(self, event: InfoEvent,
                          socket: ConnectedLiveViewSocket[BoardContext]) -> None:
        message = event.payload if isinstance(event.payload, dict) else {}
        if "post" in message:
            socket.stream_insert("posts", message["post"], at=0, limit=KEEP_POSTS)
        elif "delete" in message:
            socket.stream_delete_by_dom_id("posts", f"post-{message['delete']}")
