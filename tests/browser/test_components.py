"""Live components with the official client in Chromium: the todo demo (/todos/), where every
row is a component edited in place with its own validation."""
import json
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def watch_frames(page) -> list:
    """Every websocket frame the page receives, decoded (register before opening the page)."""
    frames: list = []

    def on_socket(ws):
        ws.on("framereceived", lambda payload: frames.append(
            json.loads(payload) if isinstance(payload, str) else None))

    page.on("websocket", on_socket)
    return frames


def wait_for(page, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def test_a_row_edits_in_place_with_its_own_validation(demo_server, open_live, page):
    open_live(demo_server.url + "/todos/")
    page.click("#todo-2 .edit")
    expect(page.locator("#edit-2-title")).to_have_value("Try components")
    page.fill("#edit-2-title", "ab")
    expect(page.locator("#todo-2 .errorlist")).to_have_text("Use at least 3 characters.")
    # The event went to that row only: the others neither edit nor show errors.
    expect(page.locator("#todo-1 .edit")).to_be_visible()
    expect(page.locator(".errorlist")).to_have_count(1)
    page.fill("#edit-2-title", "Try live components")
    expect(page.locator("#todo-2 .errorlist")).to_have_count(0)
    page.click("#edit-2 button[type=submit]")
    expect(page.locator("#todo-2 .title")).to_have_text("Try live components")
    expect(page.locator("#todo-1 .title")).to_have_text("Write the docs")


def test_a_rows_state_survives_its_parents_renders(demo_server, open_live, page):
    open_live(demo_server.url + "/todos/")
    page.click("#todo-1 .edit")
    page.fill("#edit-1-title", "x")
    expect(page.locator("#todo-1 .errorlist")).to_have_text("Use at least 3 characters.")
    # The view re-renders (a new todo); row 1 is still editing, with its error.
    page.fill("#new-title", "Water the plants")
    page.click("#new-todo button[type=submit]")
    expect(page.locator("#todo-4 .title")).to_have_text("Water the plants")
    expect(page.locator("#remaining")).to_have_text("4 todos")
    expect(page.locator("#todo-1 .errorlist")).to_have_text("Use at least 3 characters.")
    expect(page.locator("#edit-1-title")).to_have_value("x")
    page.click("#todo-1 button:has-text('Cancel')")
    expect(page.locator("#todo-1 .title")).to_have_text("Write the docs")


def test_a_removed_row_is_freed_and_comes_back_fresh(demo_server, open_live, page):
    frames = watch_frames(page)
    open_live(demo_server.url + "/todos/")
    page.click("#todo-3 .toggle")
    expect(page.locator("#todo-3")).to_have_class("todo done")
    old_cid = page.get_attribute("#todo-3 .edit", "phx-target")
    page.click("#todo-3 .edit")
    expect(page.locator("#edit-3-title")).to_be_visible()
    page.click("#hide-done")
    expect(page.locator("#todo-3")).to_have_count(0)
    # The client reports the removal; the server answers with the cids it deleted.
    wait_for(page, lambda: any(
        f and f[3] == "phx_reply" and f[4].get("response", {}).get("cids") == [int(old_cid)]
        for f in frames))
    page.click("#hide-done")
    # Back with a new cid (never reused), mounted afresh: not editing any more.
    expect(page.locator("#todo-3 .edit")).to_be_visible()
    assert page.get_attribute("#todo-3 .edit", "phx-target") != old_cid
    expect(page.locator("#todo-3")).to_have_class("todo done")


@pytest.mark.redis
def test_send_update_reaches_a_row_in_another_process_over_redis(server_factory, new_page):
    """Two daphne processes on Redis: a button in a tab served by one updates the first row
    of the tab served by the other (liveview.send_update on the `todos` topic)."""
    import uuid

    import redis

    from tests.integration.conftest import REDIS_URL, _delete_prefix
    from tests.integration.conftest import start_together

    prefix = f"lvtest-{uuid.uuid4().hex[:12]}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        servers = [server_factory("daphne", start=False, LIVEVIEW_REDIS_URL=REDIS_URL,
                                  LIVEVIEW_REDIS_PREFIX=prefix) for _ in range(2)]
        start_together(servers)
        tabs = []
        for server in servers:
            tab = new_page()
            tab.goto(server.url + "/todos/")
            tab.wait_for_selector("[data-phx-main].phx-connected")
            tabs.append(tab)
        tabs[0].click("#announce")
        for tab in tabs:
            expect(tab.locator("#todo-1 .note")).to_have_text("Reviewed by someone")
        expect(tabs[1].locator(".note")).to_have_count(1)
    finally:
        _delete_prefix(REDIS_URL, prefix)
