"""Async work, an on_mount hook and presence with the real client in Chromium."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.integration.conftest import redis_prefix, redis_servers, redis_url  # noqa: F401

from .conftest import CONNECTED, WS_REFUSED

pytestmark = pytest.mark.browser


def test_async_dashboard_loads_while_the_counter_stays_live(demo_server, page):
    page.goto(demo_server.url + "/async/")
    # The HTTP render already shows the loading states (no work runs for it).
    expect(page.locator("#people .loading")).to_be_visible()
    page.wait_for_selector(CONNECTED)
    page.click("#increment")
    page.click("#increment")
    expect(page.locator("#count")).to_have_text("2")
    # Answered while the slow parts still load (3 s for the forecast).
    assert page.locator("#forecast .loading").is_visible()
    expect(page.locator("#people")).to_have_text(re.compile(r"^\d+ members, \d+ accounts$"))
    expect(page.locator("#forecast")).to_have_text("Lyon: sunny, 24 °C")
    expect(page.locator("#forecast .loading")).to_have_count(0)
    # A failing service: the error shows, the last good forecast stays, the page lives on.
    page.click("#break")
    expect(page.locator("#forecast-error")).to_have_text(
        "Failed: the weather service answered 503")
    expect(page.locator("#forecast")).to_contain_text("Lyon: sunny")
    page.click("#increment")
    expect(page.locator("#count")).to_have_text("3")


def test_report_started_then_cancelled(demo_server, open_live, page):
    open_live(demo_server.url + "/async/")
    page.click("#report")
    expect(page.locator("#report-state")).to_have_text("running")
    page.click("#cancel-report")
    expect(page.locator("#report-state")).to_have_text("stopped (cancelled)")


def test_on_mount_hook_refuses_the_live_navigation_of_an_anonymous_user(demo_server, page):
    page.goto(demo_server.url + "/async/")
    page.wait_for_selector(CONNECTED)
    page.click("a[href='/account/']")  # a live navigation: the join runs the hook
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/account/$"))
    expect(page.locator("#account-user")).to_have_count(0)


def test_on_mount_hook_lets_a_logged_in_user_through_live(demo_server, page):
    page.goto(demo_server.url + "/accounts/login/?next=/async/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("#login")
    expect(page).to_have_url(re.compile(r"/async/$"))
    page.wait_for_selector(CONNECTED)
    page.evaluate("window.__marker = 1")
    page.click("a[href='/account/']")
    expect(page.locator("#account-user")).to_have_text("demo")
    assert page.evaluate("window.__marker") == 1, "the navigation reloaded the page"


HEARTBEAT = 1.0


@pytest.mark.redis
def test_presence_forgets_the_users_of_a_killed_process(redis_servers, new_page,  # noqa: F811
                                                        browser_log):
    """Two daphne processes on one Redis; the second is killed (SIGKILL: no goodbye). Its
    tab leaves the first one's list within the documented bound: 4 heartbeats."""
    a, b = redis_servers("daphne", "daphne", LIVEVIEW_PRESENCE_HEARTBEAT=str(HEARTBEAT))
    first, second = new_page(), new_page()
    first.goto(a.url + "/presence/")
    first.wait_for_selector(CONNECTED)
    second.goto(b.url + "/presence/")
    second.wait_for_selector(CONNECTED)
    for tab in (first, second):
        expect(tab.locator("#here-count")).to_have_text("2")
    expect(first.locator("#others code")).to_have_text(second.locator("#me").inner_text())
    # The second tab's client retries its dead server until the test ends.
    browser_log.allow(WS_REFUSED)
    b.proc.kill()
    killed = time.monotonic()
    expect(first.locator("#here-count")).to_have_text("1", timeout=(4 * HEARTBEAT + 5) * 1000)
    gone_after = time.monotonic() - killed
    assert gone_after >= HEARTBEAT, f"left after {gone_after:.1f}s: not by expiry?"
    second.context.close()
