"""The default layout's connection notice: hidden while the page is live, "Connection lost.
Reconnecting…" while the client reconnects, "Connecting…" when the page never connects (here:
its script is never loaded). Pure CSS on the classes the client sets on the main LiveView."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"
DISCONNECTED = "[data-phx-main]:not(.phx-connected)"
WS_REFUSED = (r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/live/websocket\?[^']*' failed: "
              r"Error in connection establishment: net::ERR_CONNECTION_REFUSED")
SCRIPT_BLOCKED = r"Failed to load resource: net::ERR_FAILED \(http://127\.0\.0\.1:\d+/static/"


def notice(page):
    return page.get_by_role("status")


def assert_no_unexpected_errors(browser_log):
    assert not browser_log.unexpected(), browser_log.dump()


def test_hidden_while_live_shown_while_reconnecting(server_factory, open_live, page,
                                                    browser_log):
    browser_log.allow(WS_REFUSED)  # the client's reconnect attempts while the server is down
    server = server_factory("daphne")
    open_live(server.url + "/counter/")
    page.wait_for_timeout(1500)  # past the notice's one-second delay
    expect(notice(page)).to_be_hidden()

    server.stop()
    page.wait_for_selector(DISCONNECTED)
    expect(notice(page)).to_be_visible()
    expect(notice(page)).to_have_text("Connection lost. Reconnecting…", use_inner_text=True)

    server.start()
    page.wait_for_selector(CONNECTED, timeout=20_000)
    expect(notice(page)).to_be_hidden()
    page.click("#increment")
    expect(page.locator("#count")).to_have_text("1")
    assert_no_unexpected_errors(browser_log)


def test_shown_when_the_page_never_connects(demo_server, page, browser_log):
    browser_log.allow(SCRIPT_BLOCKED)
    page.route("**/liveview.js", lambda route: route.abort())
    page.goto(demo_server.url + "/counter/")
    expect(notice(page)).to_be_visible()
    expect(notice(page)).to_have_text("Connecting…", use_inner_text=True)
    expect(page.locator("#count")).to_have_text("0")  # the HTTP render is all there is
    assert_no_unexpected_errors(browser_log)


def test_not_shown_by_a_normal_load(demo_server, page, browser_log):
    """The one-second delay: a page that connects at once never shows the notice."""
    page.goto(demo_server.url + "/counter/")
    page.wait_for_selector(CONNECTED)
    shown = page.evaluate("""() => getComputedStyle(document.querySelector('.liveview-status'))
                             .visibility === 'visible' && document.querySelector(
                             '.liveview-status').checkVisibility()""")
    assert not shown
    assert_no_unexpected_errors(browser_log)
