"""The browser suite's main scenarios over long polling: the server refuses every websocket
upgrade (403, as a blocking proxy does), so the client falls back to /live/longpoll.

The scenarios are the websocket suite's own test functions, imported here: the fixtures below
replace its servers with ones that refuse websockets and check that each page went live over
long polling and never over a websocket.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import CONNECTED
from .test_counter import (  # noqa: F401
    test_clicks_update_the_page_without_reload,
    test_query_value_is_used_by_the_live_view,
)
from .test_navigation import (  # noqa: F401
    test_navigate_keeps_the_document_and_flash_crosses_to_the_next_view,
    test_patch_links_buttons_and_history_drive_handle_params,
    test_redirect_reloads_the_page_and_the_flash_comes_through_the_cookie,
)
from .test_realtime import (  # noqa: F401
    second_page,
    test_chat_message_appears_in_both_pages,
    test_clock_advances_every_second,
    test_presence_goes_up_and_down,
)
from .test_uploads import (  # noqa: F401
    files,
    test_document_uploads_on_submit_then_is_stored_and_listed,
    test_photo_uploads_on_selection_and_is_stored_byte_for_byte,
)

pytestmark = pytest.mark.browser

NO_WEBSOCKET_APP = "tests.support.no_websocket_asgi:application"
# What Chromium logs when the upgrade is refused: the refusal these tests provoke.
WS_FORBIDDEN = (r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/live/websocket\?[^']*' failed: "
                r"Error during WebSocket handshake: Unexpected response code: 403")


@pytest.fixture(scope="module")
def demo_server(server_pool):
    return server_pool("daphne", app=NO_WEBSOCKET_APP)


@pytest.fixture(scope="module")
def upload_server(server_pool, upload_dirs):  # noqa: F811
    return server_pool("daphne", app=NO_WEBSOCKET_APP, DEMO_MEDIA_ROOT=upload_dirs["media"],
                       LIVEVIEW_UPLOAD_TEMP_DIR=upload_dirs["temp"])


class Transports:
    """Which endpoint each page's client talked to."""

    def __init__(self) -> None:
        self.longpoll = 0
        self.websockets_opened = 0

    def watch(self, page) -> None:
        page.on("request", self._on_request)
        page.on("websocket", self._on_websocket)

    def _on_request(self, request) -> None:
        if "/live/longpoll" in request.url:
            self.longpoll += 1

    def _on_websocket(self, websocket) -> None:
        # Fired for the attempt too; only a websocket that exchanged a frame was open.
        websocket.on("framereceived", self._on_frame)

    def _on_frame(self, _frame) -> None:
        self.websockets_opened += 1


@pytest.fixture
def transports() -> Transports:
    return Transports()


@pytest.fixture
def new_page(new_page, browser_log, transports):
    """The suite's new_page, on pages whose websocket is refused: only long polling works."""
    browser_log.allow(WS_FORBIDDEN)

    def open_page():
        page = new_page()
        transports.watch(page)
        return page

    yield open_page
    assert transports.longpoll > 0, "no page ever used /live/longpoll"
    assert transports.websockets_opened == 0, "a websocket was open"


def test_the_fallback_is_remembered_for_the_tab(demo_server, page, transports):
    page.goto(demo_server.url + "/counter/")
    expect(page.locator(CONNECTED)).to_have_count(1)
    assert page.evaluate("sessionStorage.getItem('phx:fallback:LongPoll')") == "true"
    page.click("#increment")
    expect(page.locator("#count")).to_have_text("1")

    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if re.search(WS_FORBIDDEN, msg.text)
            else None)
    page.reload()  # the same tab: straight to long polling, no websocket attempt
    expect(page.locator(CONNECTED)).to_have_count(1)
    page.click("#increment")
    expect(page.locator("#count")).to_have_text("1")
    assert refused == []
