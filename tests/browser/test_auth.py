"""Login-protected LiveViews in Chromium: the members demo (/members/) sends anonymous users to
Django's login page and back, and a logout in another tab stops the next live navigation."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"


def log_in(page):
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("#login")


def test_protected_page_redirects_to_login_then_works(demo_server, page):
    page.goto(demo_server.url + "/members/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/members/$"))
    log_in(page)
    expect(page).to_have_url(re.compile(r"/members/$"))
    page.wait_for_selector(CONNECTED)
    expect(page.locator("#signed-in-as")).to_have_text("demo")
    # Live: the websocket join passed the same check.
    page.locator("#member-query").fill("no-such-member")
    expect(page.locator("#member-list")).to_have_text("No member matches.")
    expect(page.locator("#searches")).to_have_text("1")


def test_live_navigation_after_logout_in_another_tab_lands_on_login(demo_server, page):
    """Tab 1 stays connected while tab 2 logs out. Tab 1's websocket still carries the old
    session, but the join of the protected view reads it again and refuses; the client then
    loads the page over HTTP, which redirects to the login page."""
    page.goto(demo_server.url + "/accounts/login/?next=/register/")
    log_in(page)
    expect(page).to_have_url(re.compile(r"/register/$"))
    page.wait_for_selector(CONNECTED)

    # Logged in: the live link into the members page switches views without a reload.
    page.evaluate("window.__marker = 1")
    page.click("a[href='/members/']")
    expect(page.locator("#signed-in-as")).to_have_text("demo")
    assert page.evaluate("window.__marker") == 1, "the navigation reloaded the page"
    page.click("a[href='/register/']")
    expect(page.locator("#register-form")).to_be_visible()

    other_tab = page.context.new_page()
    other_tab.goto(demo_server.url + "/accounts/login/")
    expect(other_tab.locator("#logged-in")).to_contain_text("demo")
    other_tab.click("#logout")
    expect(other_tab.locator("#logged-in")).to_have_count(0)
    other_tab.close()

    page.click("a[href='/members/']")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/members/$"))
    expect(page.locator("#signed-in-as")).to_have_count(0)
