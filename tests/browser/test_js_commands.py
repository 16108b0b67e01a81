"""JS commands run by the official client in Chromium (demo page /js/ against daphne).

Pure client commands must change the DOM without sending anything: every test records the
websocket frames the page sends (Playwright's framesent) and, after the client-only clicks,
ends with one server round trip as a sentinel, so a frame sent late would be counted too."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"


class SentFrames:
    """The client's frames to the server, heartbeats left out (they come every 30 s)."""

    def __init__(self, page) -> None:
        self.frames: list[list] = []
        page.on("websocket", lambda ws: ws.on("framesent", self._on_frame))

    def _on_frame(self, payload) -> None:
        if isinstance(payload, str):
            frame = json.loads(payload)
            if frame[3] != "heartbeat":
                self.frames.append(frame)

    def events(self, since: int = 0) -> list[tuple[str, object]]:
        """(event name, value) of the `event` frames from index `since` on."""
        return [(f[4]["event"], f[4].get("value")) for f in self.frames[since:]
                if f[3] == "event"]


@pytest.fixture
def js_page(demo_server, page, open_live):
    sent = SentFrames(page)  # before the page opens its websocket
    open_live(demo_server.url + "/js/")
    page.sent = sent
    return page


def assert_only_sentinel_reached_the_server(page, before: int) -> None:
    """Click "Add 5" (a push) and check that it is the only frame sent since `before`.
    (A click also sends the button's own `value`, empty here.)"""
    count = int(page.locator("#count").inner_text())
    page.click("#add")
    expect(page.locator("#count")).to_have_text(str(count + 5))
    assert page.sent.events(before) == [("add", {"value": "", "by": 5})], page.sent.frames[before:]
    assert len(page.sent.frames) == before + 1, page.sent.frames[before:]


def test_show_hide_toggle_run_in_the_browser_only(js_page):
    page = js_page
    panel = page.locator("#panel")
    before = len(page.sent.frames)

    page.click("#toggle")  # JS.toggle(to="#panel")
    expect(panel).to_be_hidden()
    page.click("#toggle")
    expect(panel).to_be_visible()

    page.click("#hide")  # JS.hide with a 300 ms transition
    expect(panel).to_have_class("panel fade-out")  # the transition classes while it runs
    expect(panel).to_be_hidden()
    expect(panel).to_have_class("panel")  # and gone afterwards

    page.click("#show")  # JS.show(display="flex", transition=(fade, fade-start, fade-end))
    expect(panel).to_be_visible()
    expect(panel).to_have_css("display", "flex")
    expect(panel).to_have_class("panel")

    assert_only_sentinel_reached_the_server(page, before)
    # What the client made sticks across the server's patches (the sentinel patched #count).
    expect(panel).to_have_css("display", "flex")


def test_classes_transition_attributes_dispatch_and_focus(js_page):
    page = js_page
    panel = page.locator("#panel")
    before = len(page.sent.frames)

    page.click("#highlight")  # {% js 'add_class' 'highlight' to='#panel' %}
    expect(panel).to_have_class("panel highlight")
    page.click("#unhighlight")
    expect(panel).to_have_class("panel")

    page.click("#shake")  # JS.transition("shake", time=600): on, then off again
    expect(panel).to_have_class("panel shake")
    expect(panel).to_have_class("panel", timeout=3000)

    page.click("#expand")  # two set_attribute commands chained in the template with `as`
    expect(panel).to_have_attribute("aria-expanded", "true")
    expect(panel).to_have_attribute("data-state", "open")
    page.click("#toggle-state")  # toggle_attribute between "open" and "closed"
    expect(panel).to_have_attribute("data-state", "closed")
    page.click("#toggle-state")
    expect(panel).to_have_attribute("data-state", "open")

    page.click("#announce")  # JS.dispatch with detail; the demo's window listener shows it
    expect(page.locator("#announcement")).to_have_text("Hello from JS.dispatch")

    page.click("#focus-name")  # JS.focus(to="#name")
    expect(page.locator("#name")).to_be_focused()

    assert_only_sentinel_reached_the_server(page, before)
    # Classes and attributes set by commands survive the patch the sentinel caused.
    expect(panel).to_have_attribute("data-state", "open")
    expect(page.locator("#announcement")).to_have_text("Hello from JS.dispatch")


def test_push_with_value_patch_and_navigate(js_page, demo_server):
    page = js_page
    before = len(page.sent.frames)
    page.click("#add")  # JS.push("add", value={"by": 5}, loading="#count")
    expect(page.locator("#count")).to_have_text("5")
    assert page.sent.events(before) == [("add", {"value": "", "by": 5})]

    page.evaluate("window.__marker = 1")
    page.click("#tab-b")  # JS.patch("/js/?tab=b"): handle_params, same view
    expect(page).to_have_url(demo_server.url + "/js/?tab=b")
    expect(page.locator("#tab")).to_have_text("b")
    expect(page.locator("#count")).to_have_text("5")  # same view, state kept
    assert [f[3] for f in page.sent.frames[before + 1:]] == ["live_patch"]

    page.click("#to-counter")  # JS.navigate("/counter/"): another view, no page load
    expect(page).to_have_url(demo_server.url + "/counter/")
    expect(page.locator("#increment")).to_be_visible()
    page.wait_for_selector(CONNECTED)
    assert page.evaluate("window.__marker") == 1, "JS.navigate reloaded the page"


def test_the_server_runs_a_command_in_the_browser_with_exec_js(js_page):
    page = js_page
    panel = page.locator("#panel")
    page.click("#server-flash")  # handler: socket.exec_js("#panel", JS.transition("flashing"))
    expect(panel).to_have_class("panel flashing")
    expect(panel).to_have_class("panel", timeout=3000)
