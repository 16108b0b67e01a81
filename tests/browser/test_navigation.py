"""Navigation, titles, flash and JS hooks with the official client in Chromium (demo pages
/items/, /wizard/, /chart/ against daphne)."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"
SUFFIX = " · liveview demos"  # LIVEVIEW["TITLE_SUFFIX"] of the demo project


def set_marker(page):
    """Put a value in window that only survives if the document is never reloaded."""
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page):
    assert page.evaluate("window.__marker") == 1, "the page was reloaded (window.__marker lost)"


def wait_connected(page):
    page.wait_for_selector(CONNECTED)


def test_patch_links_buttons_and_history_drive_handle_params(demo_server, open_live, page):
    base = demo_server.url
    open_live(base + "/items/")
    expect(page.locator("#page-label")).to_have_text("Page 1 of 5")
    expect(page).to_have_title("Items, page 1" + SUFFIX)
    set_marker(page)

    page.click("#next")  # <a data-phx-link="patch">: live_patch, handle_params
    expect(page).to_have_url(base + "/items/?page=2")
    expect(page.locator("#page-label")).to_have_text("Page 2 of 5")
    expect(page.locator("#items li").first).to_have_text("Item 11")
    expect(page).to_have_title("Items, page 2" + SUFFIX)

    page.click("#last")  # phx-click → push_patch from the server, with a flash
    expect(page).to_have_url(base + "/items/?page=5")
    expect(page.locator("#items li")).to_have_count(7)
    expect(page.locator("#flash-info")).to_contain_text("Jumped to the last page.")
    expect(page).to_have_title("Items, page 5" + SUFFIX)

    page.go_back()  # popstate → live_patch → handle_params
    expect(page).to_have_url(base + "/items/?page=2")
    expect(page.locator("#page-label")).to_have_text("Page 2 of 5")
    expect(page).to_have_title("Items, page 2" + SUFFIX)
    page.go_forward()
    expect(page.locator("#page-label")).to_have_text("Page 5 of 5")
    expect(page.locator("#prev")).to_have_attribute("href", "/items/?page=4")
    assert_not_reloaded(page)


def test_push_patch_during_join_corrects_the_address_bar(demo_server, open_live, page):
    base = demo_server.url
    open_live(base + "/items/?page=99")
    # handle_params put a flash and push_patch(replace=True): the join reply's live_patch.
    expect(page).to_have_url(base + "/items/?page=1")
    expect(page.locator("#flash-error")).to_contain_text("There is no page '99'")
    expect(page.locator("#page-label")).to_have_text("Page 1 of 5")


def test_navigate_keeps_the_document_and_flash_crosses_to_the_next_view(
        demo_server, open_live, page):
    base = demo_server.url
    open_live(base + "/wizard/")
    set_marker(page)
    page.click("#to-step-2")  # empty name: flash error, no navigation
    expect(page.locator("#flash-error")).to_contain_text("Please type a name first.")

    page.fill("#name", "Ada")
    page.click("#to-step-2")  # push_navigate + put_flash
    expect(page).to_have_url(base + "/wizard/confirm/?name=Ada")
    expect(page.locator("#greeting")).to_have_text("Hello, Ada.")
    expect(page.locator("#flash-info")).to_contain_text("Step 1 saved: Ada.")
    expect(page.locator("#flash-error")).to_have_count(0)  # step 1's flash stayed behind
    expect(page).to_have_title("Wizard: confirm" + SUFFIX)
    assert_not_reloaded(page)

    # The ✕ button is phx-click="lv:clear-flash" phx-value-key="info".
    page.click("#flash-info button[phx-click='lv:clear-flash'][phx-value-key='info']")
    expect(page.locator("#flash-info")).to_have_count(0)

    page.click("#back")  # <a data-phx-link="redirect"> to the other view
    expect(page).to_have_url(base + "/wizard/?name=Ada")
    expect(page.locator("#name")).to_have_value("Ada")
    page.go_back()  # history entry of another view: a live redirect back
    expect(page).to_have_url(base + "/wizard/confirm/?name=Ada")
    expect(page.locator("#greeting")).to_have_text("Hello, Ada.")
    wait_connected(page)
    assert_not_reloaded(page)


def test_redirect_reloads_the_page_and_the_flash_comes_through_the_cookie(
        demo_server, open_live, page):
    base = demo_server.url
    open_live(base + "/wizard/confirm/?name=Bo")
    set_marker(page)
    page.click("#finish")  # socket.redirect: a full page load
    expect(page).to_have_url(base + "/wizard/")
    wait_connected(page)
    assert page.evaluate("window.__marker") is None, "redirect should load a new document"
    expect(page.locator("#flash-info")).to_contain_text("All done, Bo!")
    cookies = {c["name"] for c in page.context.cookies()}
    assert "__phoenix_flash__" not in cookies, "the flash cookie must be used once"
    page.reload()
    wait_connected(page)
    expect(page.locator("#flash-info")).to_have_count(0)


def test_django_message_shows_as_flash_on_the_http_and_live_render(demo_server, page):
    base = demo_server.url
    page.goto(base + "/items/with-message/")  # a plain view: messages.success, then redirect
    expect(page).to_have_url(base + "/items/")
    flash = page.locator("#flash-success")
    expect(flash).to_contain_text("Hello from django.contrib.messages.")
    wait_connected(page)  # the join render keeps it (carried in the static token)
    expect(flash).to_contain_text("Hello from django.contrib.messages.")
    page.click("#flash-success .flash-close")
    expect(flash).to_have_count(0)


def test_hook_gets_replies_and_push_events(demo_server, open_live, page):
    open_live(demo_server.url + "/chart/")
    bars = page.locator("#chart rect.bar")
    # mounted() → pushEvent("chart-ready") → the handler's return value draws the bars.
    expect(bars).to_have_count(3)
    bars.nth(1).click()  # pushEvent("bar-clicked", {index: 1}) → reply {value: 5}
    expect(page.locator("#bar-value")).to_have_text("Bar 2: 5")
    expect(page.locator("#flash-info")).to_contain_text("Bar 2 is 5 high.")

    page.click("#add")  # push_event("points"): the hook's handleEvent and a window listener
    expect(bars).to_have_count(4)
    expect(page.locator("#pushed-count")).to_have_text("1")
    page.click("#add")
    expect(bars).to_have_count(5)
    expect(page.locator("#pushed-count")).to_have_text("2")
    expect(page.locator("#flash-info")).to_contain_text("Added a point: 5 now.")


def test_live_navigation_into_the_chart_mounts_its_hook(demo_server, open_live, page):
    """The hook is defined by the layout, so a page reached without a reload has it too."""
    open_live(demo_server.url + "/items/")
    set_marker(page)
    page.click("nav.demo-nav >> text=Chart")
    expect(page).to_have_url(re.compile(r"/chart/$"))
    expect(page.locator("#chart rect.bar")).to_have_count(3)
    assert_not_reloaded(page)
