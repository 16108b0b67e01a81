"""Nested and sticky LiveViews with the official client in Chromium (demo pages /nested/
and /nested/other/ against daphne): children join on their own topics, keep their own
state, crash alone, go when the parent stops rendering them; the sticky player survives
live navigation."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CHILD = "#counter.phx-connected"
# What the client logs (console.error) when a child view crashes on purpose.
CHILD_CRASHED = r"view crashed"


def open_dashboard(demo_server, open_live, page):
    open_live(demo_server.url + "/nested/")
    page.wait_for_selector(CHILD)
    page.wait_for_selector("#player.phx-connected")
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page):
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def test_child_has_its_own_state_and_handlers(demo_server, open_live, page):
    open_dashboard(demo_server, open_live, page)
    expect(page.locator("#child-count")).to_have_text("5")  # session={"start": 5}
    page.click("#child-inc")
    page.click("#child-inc")
    expect(page.locator("#child-count")).to_have_text("7")
    page.click("#parent-click")
    expect(page.locator("#clicks")).to_have_text("1")
    # The child sits inside the parent's form: typing there is the parent's phx-change.
    page.fill("#note", "hello")
    expect(page.locator("#note")).to_have_value("hello")
    page.click("#parent-click")
    expect(page.locator("#clicks")).to_have_text("2")
    expect(page.locator("#child-count")).to_have_text("7")  # the parent's renders keep it
    # Children in a {% for %}: each its own view, ticking on its own.
    expect(page.locator("#ticker-alpha .ticks")).not_to_have_text("0")
    expect(page.locator("#ticker-beta .ticks")).not_to_have_text("0")
    assert_not_reloaded(page)


def test_a_crashing_child_restarts_alone(demo_server, open_live, page, browser_log):
    browser_log.allow(CHILD_CRASHED)
    open_dashboard(demo_server, open_live, page)
    page.click("#parent-click")
    page.click("#child-inc")
    expect(page.locator("#child-count")).to_have_text("6")
    expect(page.locator("#clicks")).to_have_text("1")
    page.click("#child-crash")
    # The child is mounted afresh (its count back to the session's start)...
    expect(page.locator("#child-count")).to_have_text("5")
    page.wait_for_selector(CHILD)
    page.click("#child-inc")
    expect(page.locator("#child-count")).to_have_text("6")
    # ...while the parent kept its state and stayed connected.
    expect(page.locator("#clicks")).to_have_text("1")
    expect(page.locator("[data-phx-main]")).to_have_class("phx-connected")
    page.click("#parent-click")
    expect(page.locator("#clicks")).to_have_text("2")
    assert_not_reloaded(page)


def test_a_child_the_parent_stops_rendering_goes(demo_server, open_live, page):
    open_dashboard(demo_server, open_live, page)
    page.click("#toggle-counter")
    expect(page.locator("#counter")).to_have_count(0)
    page.click("#drop-ticker")
    expect(page.locator("#ticker-beta")).to_have_count(0)
    expect(page.locator("#ticker-alpha")).to_have_count(1)
    page.click("#toggle-counter")  # rendered again: a new child, mounted afresh
    page.wait_for_selector(CHILD)
    expect(page.locator("#child-count")).to_have_text("5")
    page.click("#child-inc")
    expect(page.locator("#child-count")).to_have_text("6")
    assert_not_reloaded(page)


def test_the_sticky_player_survives_push_navigate(demo_server, open_live, page):
    base = demo_server.url
    open_dashboard(demo_server, open_live, page)
    page.click("#skip")
    page.click("#skip")
    expect(page.locator("#skips")).to_have_text("2")
    page.evaluate("document.getElementById('player').__kept = 1")
    page.click("#child-inc")
    expect(page.locator("#child-count")).to_have_text("6")
    # push_navigate from a child acts on the page: the main view changes.
    page.click("#child-leave")
    expect(page).to_have_url(base + "/nested/other/")
    expect(page.locator("#other-title")).to_have_text("Another view")
    expect(page.locator("#counter")).to_have_count(0)
    # The same player element, its view still running with its state.
    assert page.evaluate("document.getElementById('player').__kept") == 1
    expect(page.locator("#skips")).to_have_text("2")
    page.click("#skip")
    expect(page.locator("#skips")).to_have_text("3")
    # And back with a live link (<a data-phx-link="redirect">).
    page.click("text=Back to the dashboard")
    expect(page).to_have_url(base + "/nested/")
    page.wait_for_selector(CHILD)
    expect(page.locator("#skips")).to_have_text("3")
    assert page.evaluate("document.getElementById('player').__kept") == 1
    assert_not_reloaded(page)
