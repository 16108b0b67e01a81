"""The real-time demos in Chromium: chat across two pages, the clock, the presence count."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import CONNECTED

pytestmark = pytest.mark.browser


@pytest.fixture
def second_page(new_page):
    """Another browser (own context: own cookies and websocket), errors checked like `page`."""
    return new_page()


def open_connected(page, url):
    page.goto(url)
    page.wait_for_selector(CONNECTED)
    return page


def test_chat_message_appears_in_both_pages(demo_server, open_live, page, second_page):
    alice = open_live(demo_server.url + "/chat/")
    bob = open_connected(second_page, demo_server.url + "/chat/")
    unique = f"hello {id(alice)}"

    alice.fill("#chat-name", "Alice")
    alice.fill("#chat-message", unique)
    alice.press("#chat-message", "Enter")  # phx-submit
    for tab in (alice, bob):
        expect(tab.locator("#messages .message", has_text=unique)).to_have_count(1)
        expect(tab.locator("#messages .message .name").last).to_have_text("Alice")
    # The sender's form came back empty and focused, ready for the next message.
    expect(alice.locator("#chat-message")).to_have_value("")
    expect(alice.locator("#chat-message")).to_be_focused()

    bob.fill("#chat-message", "hi Alice <b>not bold</b>")
    bob.click("#chat-send")
    for tab in (alice, bob):
        expect(tab.locator("#messages .message .text").last).to_have_text(
            "hi Alice <b>not bold</b>")  # escaped text, not markup


def test_clock_advances_every_second(demo_server, open_live, page):
    open_live(demo_server.url + "/clock/")
    clock = page.locator("#clock")
    first = clock.inner_text()
    assert re.fullmatch(r"\d\d:\d\d:\d\d", first)
    expect(clock).not_to_have_text(first, timeout=3000)
    expect(page.locator("#ticks")).to_have_text(re.compile(r"^[2-9]|\d\d"), timeout=4000)


def test_presence_goes_up_and_down(demo_server, open_live, page, second_page):
    first = open_live(demo_server.url + "/presence/")
    count = first.locator("#here-count")
    expect(count).to_have_text("1")
    second = open_connected(second_page, demo_server.url + "/presence/")
    expect(second.locator("#here-count")).to_have_text("2")
    expect(count).to_have_text("2")
    second.context.close()  # the tab goes away: its view says goodbye
    expect(count).to_have_text("1")
