"""The demo counter (/counter/) driven by the official client in Chromium against daphne."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import WS_REFUSED

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"  # the client adds phx-connected once joined
DISCONNECTED = "[data-phx-main]:not(.phx-connected)"
AWAITING_REPLY = "[data-phx-ref-src]"  # on an element whose pushed event awaits its reply


def set_marker(page):
    """Put a value in window that only survives if the document is never reloaded."""
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page):
    assert page.evaluate("window.__marker") == 1, "the page was reloaded (window.__marker lost)"


def test_http_render_starts_at_query_value(demo_server):
    """The dead render, fetched without a browser: ?c=5 already gives 5 in the HTML."""
    status, headers, body = demo_server.get("/counter/?c=5")
    assert status == 200, body[:2000]
    assert headers["content-type"].startswith("text/html")
    html = body.decode()
    assert re.search(r'<span id="count">5</span>', html), html
    assert re.search(r"<title[^>]*>[^<]*Counter", html), "the HTTP title is not Counter"
    assert '<meta name="csrf-token"' in html
    assert "/static/liveview/liveview.js" in html
    container = re.search(r"<div\b[^>]*\bdata-phx-main\b[^>]*>", html)
    assert container, "no LiveView container with data-phx-main"
    for attribute in ("id=", "data-phx-session=", "data-phx-static="):
        assert attribute in container.group(0), f"container lacks {attribute}: {container[0]}"
    assert 'id="negative"' not in html


def test_clicks_update_the_page_without_reload(demo_server, open_live, page):
    open_live(demo_server.url + "/counter/")
    count = page.locator("#count")
    expect(count).to_have_text("0")
    set_marker(page)

    # Back to back, without waiting for the count: the server must apply them in order. The
    # client ignores a click on an element whose previous event is still unanswered (it holds
    # data-phx-ref-src until the reply is applied), so each click waits for that to clear: a
    # slow link (long polling, a loaded machine) would otherwise swallow the next click.
    for _ in range(3):
        page.click(f"#increment:not({AWAITING_REPLY})")
    expect(count).to_have_text("3")
    page.click("#decrement")
    expect(count).to_have_text("2")

    assert_not_reloaded(page)
    expect(page.locator(CONNECTED)).to_have_count(1)


def test_title_is_counter(demo_server, open_live, page):
    open_live(demo_server.url + "/counter/")
    expect(page).to_have_title(re.compile("Counter"))
    page.click("#increment")
    expect(page.locator("#count")).to_have_text("1")
    expect(page).to_have_title(re.compile("Counter"))


def test_query_value_is_used_by_the_live_view(demo_server, open_live, page):
    open_live(demo_server.url + "/counter/?c=5")
    count = page.locator("#count")
    expect(count).to_have_text("5")
    set_marker(page)
    # 6 (not 1) proves the connected mount ran handle_params with c=5 too.
    page.click("#increment")
    expect(count).to_have_text("6")
    assert_not_reloaded(page)


def test_negative_paragraph_follows_the_count(demo_server, open_live, page):
    open_live(demo_server.url + "/counter/")
    negative = page.locator("#negative")
    count = page.locator("#count")
    expect(negative).to_have_count(0)

    page.click("#decrement")
    expect(count).to_have_text("-1")
    expect(negative).to_have_text("Below zero.")
    page.click("#decrement")  # branch stays: only the count changes
    expect(count).to_have_text("-2")
    expect(negative).to_have_count(1)

    # Back to back: the second waits until the client accepts clicks on the button again (see
    # test_clicks_update_the_page_without_reload), else a loaded machine swallows it.
    page.click(f"#increment:not({AWAITING_REPLY})")
    page.click(f"#increment:not({AWAITING_REPLY})")
    expect(count).to_have_text("0")
    expect(negative).to_have_count(0)

    page.click("#decrement")  # the branch comes back after it was dropped
    expect(count).to_have_text("-1")
    expect(negative).to_have_text("Below zero.")


def test_page_recovers_after_server_restart(server_factory, open_live, page, browser_log):
    """Stop the server under a connected page, start it again on the same port.

    Asserted: the client notices (container loses phx-connected), reconnects and rejoins by
    itself without reloading the document; the new process remounts from the page's URL, so the
    count is back to the ?c= start value (5; the 6 reached before was process memory and is
    gone); and a click after the reconnect works (5 -> 6)."""
    # The server is stopped on purpose: each reconnect attempt meanwhile is refused.
    browser_log.allow(WS_REFUSED)
    server = server_factory("daphne")
    open_live(server.url + "/counter/?c=5")
    count = page.locator("#count")
    page.click("#increment")
    expect(count).to_have_text("6")
    set_marker(page)

    server.stop()
    page.wait_for_selector(DISCONNECTED, timeout=10_000)
    server.start()
    # The client retries with backoff up to 5 s between attempts, then rejoins.
    page.wait_for_selector(CONNECTED, timeout=20_000)

    expect(count).to_have_text("5")
    assert_not_reloaded(page)
    page.click("#increment")
    expect(count).to_have_text("6")
    assert_not_reloaded(page)
