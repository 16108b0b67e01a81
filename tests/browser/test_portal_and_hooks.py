"""{% portal %} and {% colocated_hook %} with the official client in Chromium (demo pages
/modal/ and /dropdown/ against daphne)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_js_commands import SentFrames

pytestmark = pytest.mark.browser


def open_modal(page) -> None:
    """Click "Open" and wait until the modal is shown and its fade-in is over: a close
    command that comes while JS.show has not made it visible yet finds nothing to hide."""
    page.click("#open-modal")
    expect(page.locator("#modal")).to_be_visible()
    expect(page.locator("#modal")).to_have_class("modal-backdrop")


@pytest.fixture
def modal_page(demo_server, page, open_live):
    page.sent = SentFrames(page)
    open_live(demo_server.url + "/modal/")
    return page


def test_the_modal_is_teleported_to_body_out_of_its_clipped_parent(modal_page):
    page = modal_page
    # The client moved the portal's root element (the wrapper of #modal) into <body>,
    # marked as belonging to the view and to its source template.
    wrapper = page.locator("body > #_lv_portal_wrap_modal-portal")
    expect(wrapper).to_have_count(1)
    expect(wrapper).to_have_attribute("data-phx-teleported-src", "modal-portal")
    view_id = page.locator("[data-phx-main]").get_attribute("id")
    expect(wrapper).to_have_attribute("data-phx-teleported", view_id)
    assert page.locator("#clipped #modal").count() == 0, "the modal is still in the clipped box"
    assert page.evaluate("getComputedStyle(document.getElementById('clipped')).overflow") == \
        "hidden"
    expect(page.locator("#modal")).to_be_hidden()


def test_js_commands_open_and_close_it_without_a_round_trip(modal_page):
    page = modal_page
    modal = page.locator("#modal")
    before = len(page.sent.frames)

    open_modal(page)  # push_focus, show with a transition, focus_first
    expect(page.locator("#vote")).to_be_focused()
    # Visible and on top although its source sits in a 2.4rem box with overflow: hidden.
    box = page.locator("#modal-box").bounding_box()
    clipped = page.locator("#clipped").bounding_box()
    assert box["height"] > clipped["height"] * 2, (box, clipped)
    assert page.evaluate("""() => {
        const r = document.getElementById("modal-box").getBoundingClientRect();
        return document.elementFromPoint(r.x + r.width / 2, r.y + 5)
            .closest("#modal-box") !== null;
    }"""), "the modal box is covered or clipped"

    page.click("#close-modal")  # hide, pop_focus
    expect(modal).to_be_hidden()
    expect(page.locator("#open-modal")).to_be_focused()

    open_modal(page)
    page.keyboard.press("Escape")  # phx-window-keydown with phx-key="Escape"
    expect(modal).to_be_hidden()

    open_modal(page)
    assert page.evaluate("document.elementFromPoint(5, 5).id") == "modal"  # the backdrop
    page.mouse.click(5, 5)  # phx-click-away on the box: a click on the backdrop closes
    expect(modal).to_be_hidden()
    assert page.sent.frames[before:] == [], "pure client commands reached the server"


def test_its_content_stays_live_and_its_events_reach_the_view(modal_page):
    page = modal_page
    modal = page.locator("#modal")
    open_modal(page)

    page.click("#vote")  # phx-click="vote" inside the teleported element
    expect(page.locator("#modal-votes")).to_have_text("1")
    expect(page.locator("#page-votes")).to_have_text("1")
    expect(modal).to_be_visible()  # the patch kept the client's show (sticky)

    page.click("#close-modal")
    expect(modal).to_be_hidden()
    page.click("#vote-outside")  # a server change while the modal is closed
    expect(page.locator("#page-votes")).to_have_text("2")
    expect(page.locator("#modal-votes")).to_have_text("2")
    expect(modal).to_be_hidden()  # still closed after the patch
    expect(page.locator("body > #_lv_portal_wrap_modal-portal")).to_have_count(1)


def test_the_server_opens_it_by_running_the_buttons_own_commands(modal_page):
    page = modal_page
    page.click("#open-from-server")  # exec_js("#open-modal", attr="phx-click")
    expect(page.locator("#modal")).to_be_visible()
    expect(page.locator("#modal-votes")).to_have_text("1")
    expect(page.locator("#vote")).to_be_focused()


def test_the_colocated_hook_drives_the_dropdown(demo_server, page, open_live):
    sent = SentFrames(page)
    open_live(demo_server.url + "/dropdown/")
    menu = page.locator("#flavours-menu")
    button = page.locator("#flavours-button")
    expect(menu).to_be_hidden()
    before = len(sent.frames)

    # JS commands alone: open, close by clicking away.
    button.click()
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    page.mouse.click(5, 5)
    expect(menu).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")

    # The keyboard is the hook's: it was built from the template by liveview_build_hooks.
    button.focus()
    page.keyboard.press("ArrowDown")
    expect(menu).to_be_visible()
    expect(page.locator("[role=menuitem]").nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("[role=menuitem]").nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps around to the last item
    expect(page.locator("[role=menuitem]").nth(3)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    assert sent.frames[before:] == [], "the menu talked to the server"

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # Pistachio
    # Once JS.show has made the menu visible: a hide that comes earlier finds nothing to hide.
    expect(page.locator("[role=menuitem]").nth(2)).to_be_focused()
    page.keyboard.press("Enter")  # the hook clicks it: JS.push("pick") + close
    expect(page.locator("#flavour")).to_have_text("Pistachio")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    # phx-value-flavour, plus the element's own `value` (an <li>'s is the number 0)
    assert [(f[4]["event"], f[4]["value"]) for f in sent.frames[before:]] == \
        [("pick", {"flavour": "Pistachio", "value": 0})]
