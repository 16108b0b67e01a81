"""Forms in Chromium with the official client: the registration demo (/register/) validates
as you type, saves on submit, and keeps what was typed across a server restart; the members
demo (/members/) rate-limits its events with phx-debounce and phx-throttle."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import WS_REFUSED

pytestmark = pytest.mark.browser

CONNECTED = "[data-phx-main].phx-connected"
DISCONNECTED = "[data-phx-main]:not(.phx-connected)"


def errors_of(page, field):
    return page.locator(f"#field-{field} .errorlist")


def unique(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_invalid_value_shows_its_error_live_then_fix_and_save(demo_server, open_live, page):
    open_live(demo_server.url + "/register/")
    username = unique("ada")

    page.fill("#id_username", "ab")  # the field is debounced: one check after 300 ms
    expect(errors_of(page, "username")).to_have_text("Use at least 3 characters.")
    # Untouched fields stay quiet although they are empty and required.
    for field in ("email", "full_name", "accept_terms"):
        expect(errors_of(page, field)).to_have_count(0)

    page.fill("#id_username", username)
    expect(errors_of(page, "username")).to_have_count(0)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_full_name", "Ada Lovelace")
    page.check("#id_accept_terms")
    page.click("#register-submit")

    expect(page.locator("#flash-info")).to_contain_text("Welcome, Ada Lovelace!")
    # A fresh form (reset_form: new input ids, so they are found by name from here on).
    expect(page.locator("[name=username]")).to_have_value("")

    # The same username again, in other letters: the database says it is taken.
    page.fill("[name=username]", username.upper())
    expect(errors_of(page, "username")).to_have_text("This username is taken.")


def test_after_a_save_the_reset_form_shows_errors_on_touched_fields_only(demo_server,
                                                                         open_live, page):
    open_live(demo_server.url + "/register/")
    username = unique("grace")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_full_name", "Grace Hopper")
    page.check("#id_accept_terms")
    page.click("#register-submit")
    expect(page.locator("#flash-info")).to_contain_text("Welcome, Grace Hopper!")
    expect(page.locator("[name=full_name]")).to_have_value("")

    # One keystroke in one field of the empty form: only that field may complain. (With the
    # same inputs re-rendered empty, the browser still counted every one as submitted, and
    # each showed "This field is required.")
    page.fill("[name=username]", "ab")
    expect(errors_of(page, "username")).to_have_text("Use at least 3 characters.")
    for field in ("email", "full_name", "accept_terms"):
        expect(errors_of(page, field)).to_have_count(0)


def test_submit_shows_every_error(demo_server, open_live, page):
    open_live(demo_server.url + "/register/")
    page.fill("#id_full_name", "Ada")
    expect(page.locator(".errorlist")).to_have_count(0)
    page.click("#register-submit")
    for field in ("username", "email", "accept_terms"):
        expect(errors_of(page, field)).to_have_text("This field is required.")
    expect(errors_of(page, "full_name")).to_have_count(0)


def test_typed_values_survive_a_server_restart(server_factory, open_live, page, browser_log):
    """The server forgets the view when it stops; on rejoin the client replays the form as a
    phx-change (form recovery), so the values and the errors come back from the new process."""
    # The server is stopped on purpose: each reconnect attempt meanwhile is refused.
    browser_log.allow(WS_REFUSED)
    server = server_factory("daphne")
    open_live(server.url + "/register/")
    page.fill("#id_full_name", "Ada Lovelace")
    page.fill("#id_email", "not-an-email")
    page.locator("#id_email").blur()  # the email is checked on blur (phx-debounce="blur")
    expect(errors_of(page, "email")).to_have_text("Enter a valid email address.")

    server.stop()
    page.wait_for_selector(DISCONNECTED)
    server.start()
    page.wait_for_selector(CONNECTED, timeout=20_000)

    expect(page.locator("#id_full_name")).to_have_value("Ada Lovelace")
    expect(page.locator("#id_email")).to_have_value("not-an-email")
    # Only the recovered form data can bring the error back: a fresh mount has none.
    expect(errors_of(page, "email")).to_have_text("Enter a valid email address.")
    expect(errors_of(page, "username")).to_have_count(0)
    page.fill("#id_email", "ada@example.com")
    page.locator("#id_email").blur()
    expect(errors_of(page, "email")).to_have_count(0)


def log_in(page, base_url, next_path):
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("#login")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    page.wait_for_selector(CONNECTED)


def test_debounce_and_throttle_limit_the_events_sent(demo_server, page):
    log_in(page, demo_server.url, "/members/")
    searches = page.locator("#searches")
    expect(searches).to_have_text("0")

    # Eight keys in a row: phx-debounce="300" sends one search after the pause, not eight.
    page.locator("#member-query").press_sequentially("zzzzzzzz")
    expect(searches).not_to_have_text("0")
    page.wait_for_timeout(600)  # any late search would have arrived by now
    assert 1 <= int(searches.inner_text()) < 8
    expect(page.locator("#member-list")).to_have_text("No member matches.")

    # Five quick clicks: phx-throttle="2000" lets the first through and drops the rest.
    refreshes = page.locator("#refreshes")
    for _ in range(5):
        page.click("#refresh")
    expect(refreshes).not_to_have_text("0")
    assert 1 <= int(refreshes.inner_text()) < 5
