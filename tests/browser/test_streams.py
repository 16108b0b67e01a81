"""Streams and keyed loops in Chromium: the real phoenix_live_view client patching what the server
sends, checked on the DOM.

The test views (stream_views.py) and the demos are served by one daphne process with
stream_settings.py. Every page runs the client in debug mode, where it also reports duplicate
element ids and stream items outside a `phx-update="stream"` container as console errors, so
any of those fails the test (see conftest.py).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import CONNECTED, WS_REFUSED

pytestmark = pytest.mark.browser

# The client's own switch for its debug checks (LiveSocket.enableDebug() sets the same key).
ENABLE_CLIENT_DEBUG = "sessionStorage.setItem('phx:live-socket:debug', 'true')"
LAB = "/t/streams/"
DISCONNECTED = "[data-phx-main]:not(.phx-connected)"


@pytest.fixture(scope="module")
def stream_server(server_pool):
    """daphne serving the test views and every demo (the board's pub/sub topic is this
    process's own, so no other test posts to it)."""
    return server_pool("daphne", settings="tests.browser.stream_settings")


@pytest.fixture
def open_page(stream_server):
    """open_page(page, path): the client in debug mode, connected."""

    def open_page(page, path):
        page.add_init_script(ENABLE_CLIENT_DEBUG)
        page.goto(stream_server.url + path)
        page.wait_for_selector(CONNECTED)
        assert page.evaluate("window.liveSocket.isDebugEnabled()")
        return page

    return open_page


def run(page, op, *, n="", name="", at="", limit="", update_only="", source="", target=""):
    """Submit one operation to the lab view and wait until its render is patched in."""
    done = int(page.locator("#ops").inner_text()) + 1
    fields = {"n": n, "name": name, "at": at, "limit": limit, "update-only": update_only,
              "from": source, "to": target, "op": op}
    for field, value in fields.items():
        page.fill(f"#{field}", str(value))
    page.click("#run")
    expect(page.locator("#ops")).to_have_text(str(done))


def row_ids(page, container="#rows"):
    return page.eval_on_selector_all(f"{container} > li", "els => els.map(el => el.id)")


def rows(page):
    return page.eval_on_selector_all("#rows > li",
                                     "els => els.map(el => [el.id, el.textContent])")


def expect_rows(page, *expected):
    """#rows holds exactly these (dom id, text) pairs, in this order."""
    locator = page.locator("#rows > li")
    expect(locator).to_have_text([text for _, text in expected])
    assert rows(page) == [list(pair) for pair in expected]


def duplicate_ids(page):
    return page.evaluate("""() => {
        const seen = new Set(), dups = [];
        for (const el of document.querySelectorAll('[id]')) {
            if (seen.has(el.id)) dups.push(el.id); else seen.add(el.id);
        }
        return dups;
    }""")


def mark(page, selector, value):
    """Tag the element (a JS property, not an attribute): it survives only on the same node."""
    page.eval_on_selector(selector, "(el, value) => { el.__mark = value }", value)


def marked(page, selector):
    return page.eval_on_selector(selector, "el => el.__mark ?? null")


def watch_max_children(page, selector):
    """Record the most children `selector` ever shows between two patches."""
    page.eval_on_selector(selector, """el => {
        window.__maxChildren = el.children.length;
        new MutationObserver(() => {
            window.__maxChildren = Math.max(window.__maxChildren, el.children.length);
        }).observe(el, {childList: true});
    }""")


def max_children(page):
    return page.evaluate("window.__maxChildren")


# The lab view -------------------------------------------------------------------------------
def test_join_render_replaces_the_dead_rendered_rows(stream_server, open_page, page):
    status, _, body = stream_server.get(LAB)
    assert status == 200
    html = body.decode()
    assert 'id="rows-99"' in html and "row 1 dead" in html  # the HTTP render
    open_page(page, LAB)
    expect(page.locator("#mounted")).to_have_text("live")
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-2", "row 2 live"),
                ("rows-3", "row 3 live"))
    # The client marks what it placed as a stream item.
    assert page.eval_on_selector_all(
        "#rows > li", "els => els.every(el => el.hasAttribute('data-phx-stream'))")
    assert duplicate_ids(page) == []


def test_insert_at_the_top_the_bottom_and_an_index(open_page, page):
    open_page(page, LAB)
    run(page, "insert", n=4, at=0)
    run(page, "insert", n=5, at=-1)
    run(page, "insert", n=6, at=2)
    assert row_ids(page) == ["rows-4", "rows-1", "rows-6", "rows-2", "rows-3", "rows-5"]
    run(page, "insert_many", name="10-3", at=0)  # each at the top in turn: 12 ends first
    assert row_ids(page)[:3] == ["rows-12", "rows-11", "rows-10"]
    assert duplicate_ids(page) == []


def test_an_existing_dom_id_is_updated_in_place_and_delete_removes(open_page, page):
    open_page(page, LAB)
    mark(page, "#rows-2", "kept")
    run(page, "insert", n=2, name="two", at=0)  # known id: updated where it is, not moved
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-2", "two"), ("rows-3", "row 3 live"))
    assert marked(page, "#rows-2") == "kept", "the updated row is a new DOM node"

    run(page, "insert", n=3, name="three", update_only=1)
    run(page, "insert", n=7, name="seven", update_only=1)  # not shown: never added
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-2", "two"), ("rows-3", "three"))

    run(page, "delete", n=2)
    run(page, "delete", n=42)  # not shown: nothing to do, no error
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-3", "three"))
    run(page, "insert", n=2, name="back")  # a deleted id comes back as a new row, at the end
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-3", "three"), ("rows-2", "back"))
    assert marked(page, "#rows-2") is None


def test_reset_keeps_only_what_it_inserts(open_page, page):
    open_page(page, LAB)
    mark(page, "#rows-3", "kept")
    run(page, "reset", name="3,8")
    expect_rows(page, ("rows-3", "row 3"), ("rows-8", "row 8"))
    run(page, "insert", n=9, at=0)
    expect_rows(page, ("rows-9", "row 9"), ("rows-3", "row 3"), ("rows-8", "row 8"))
    run(page, "reset", name="")
    expect_rows(page)
    run(page, "insert", n=1)
    expect_rows(page, ("rows-1", "row 1"))


def test_a_reset_places_the_rows_it_keeps_like_new_ones(open_page, page):
    """A reset empties the container first: a row inserted again goes where its `at` says
    (here: after 8, in insert order), not back to its old place."""
    open_page(page, LAB)
    mark(page, "#rows-3", "kept")
    run(page, "reset", name="8,3")
    expect_rows(page, ("rows-8", "row 8"), ("rows-3", "row 3"))
    assert marked(page, "#rows-3") == "kept", "the kept row is a new DOM node"


def test_limit_applies_to_new_rows_only(open_page, page):
    """An insert that updates a shown row does not trim, whatever its limit."""
    open_page(page, LAB)
    run(page, "insert_many", name="10-5")
    run(page, "insert", n=1, name="one", limit=2)
    assert len(row_ids(page)) == 8
    expect(page.locator("#rows-1")).to_have_text("one")
    run(page, "insert", n=20, limit=2)  # a new row: now the limit trims
    assert row_ids(page) == ["rows-1", "rows-2"]


def test_delete_and_insert_in_one_event_moves_a_row(open_page, page):
    """The stream way to move: delete + insert at the new place, in one render. The client
    moves the row (the same DOM node), also for an update_only insert."""
    open_page(page, LAB)
    mark(page, "#rows-3", "kept")
    run(page, "move_row", n=3, name="three", at=0)
    expect_rows(page, ("rows-3", "three"), ("rows-1", "row 1 live"), ("rows-2", "row 2 live"))
    assert marked(page, "#rows-3") == "kept", "the moved row is a new DOM node"
    run(page, "move_row", n=3, name="last", at=-1, update_only=1)
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-2", "row 2 live"), ("rows-3", "last"))


def test_limit_trims_and_the_dom_never_holds_more(open_page, page):
    open_page(page, LAB)
    watch_max_children(page, "#rows")
    # Appending with a negative limit keeps the last ones...
    run(page, "insert_many", name="100-30", limit=-20)
    assert row_ids(page) == [f"rows-{n}" for n in range(110, 130)]
    run(page, "insert", n=5, limit=-20)
    assert row_ids(page) == [f"rows-{n}" for n in range(111, 130)] + ["rows-5"]
    # ...prepending with a positive one keeps the first ones.
    run(page, "insert_many", name="200-5", at=0, limit=10)
    assert row_ids(page) == [f"rows-{n}" for n in (204, 203, 202, 201, 200)] + [
        f"rows-{n}" for n in range(111, 116)]
    assert max_children(page) <= 20, f"the stream held {max_children(page)} rows at once"
    assert duplicate_ids(page) == []


def test_reconnect_shows_the_join_render_without_duplicates(server_factory, page, browser_log):
    """The server restarts under a page whose stream was edited live: the client rejoins
    (no reload), mount runs again, and the rows are exactly the join render's."""
    # The server is down on purpose: each reconnect attempt meanwhile is refused.
    browser_log.allow(WS_REFUSED)
    server = server_factory("daphne", settings="tests.browser.stream_settings")
    page.add_init_script(ENABLE_CLIENT_DEBUG)
    page.goto(server.url + LAB)
    page.wait_for_selector(CONNECTED)
    run(page, "insert", n=4, at=0)
    run(page, "delete", n=2)
    run(page, "insert", n=1, name="one")
    expect_rows(page, ("rows-4", "row 4"), ("rows-1", "one"), ("rows-3", "row 3 live"))
    page.evaluate("window.__notReloaded = true")

    server.stop()
    page.wait_for_selector(DISCONNECTED)
    server.start()
    page.wait_for_selector(CONNECTED, timeout=20_000)  # backoff: up to 5 s between attempts
    expect(page.locator("#ops")).to_have_text("0")
    expect_rows(page, ("rows-1", "row 1 live"), ("rows-2", "row 2 live"),
                ("rows-3", "row 3 live"))
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    assert duplicate_ids(page) == []
    run(page, "insert", n=5, at=0)  # and the rejoined view streams as before
    assert row_ids(page) == ["rows-5", "rows-1", "rows-2", "rows-3"]


def test_keyed_moves_keep_the_dom_nodes(open_page, page):
    open_page(page, LAB)
    ids = [f"item-{i}" for i in range(1, 11)]
    for item in ids:
        mark(page, f"#{item}", item)

    run(page, "move", source=2, target=7)  # item 3 down five places
    order = ["item-1", "item-2", "item-4", "item-5", "item-6", "item-7", "item-8", "item-3",
             "item-9", "item-10"]
    assert row_ids(page, "#items") == order
    assert marked(page, "#item-3") == "item-3", "the moved row is a new DOM node"

    run(page, "move", source=9, target=0)  # the last to the top
    order = ["item-10"] + order[:9]
    assert row_ids(page, "#items") == order
    run(page, "reverse")
    order.reverse()
    assert row_ids(page, "#items") == order
    run(page, "rename", source=4, name="Renamed")  # item at index 4 changes in place
    expect(page.locator(f"#{order[4]}")).to_have_text("Renamed")

    # Every row is still the node it was at the start.
    assert page.eval_on_selector_all("#items > li", "els => els.map(el => el.__mark)") == order
    assert page.eval_on_selector_all("#items > li", "els => els.map(el => el.textContent)") == [
        "Renamed" if i == 4 else f"Item {item.split('-')[1]}" for i, item in enumerate(order)]


# The demos --------------------------------------------------------------------------------
def feed_state(page):
    """(page number shown, the row numbers in the DOM)."""
    return page.evaluate("""() => [
        Number(document.getElementById('feed-page').textContent),
        [...document.querySelectorAll('#feed > li')].map(el => Number(el.id.split('-')[1]))]""")


def watch_feed_scrolls(page):
    """Record the feed's scroll position at each scroll event. This listener is added after the
    client's infinite-scroll hook, so it runs after the hook's on the same event: when the
    record equals the position, the hook has seen the position too."""
    page.eval_on_selector("#feed", """el => {
        window.__feedSeen = el.scrollTop;
        el.addEventListener('scroll', () => { window.__feedSeen = el.scrollTop });
    }""")


def watch_feed_pages(page):
    """Record every page number the feed shows, including any it passes through."""
    page.eval_on_selector("#feed-page", """el => {
        window.__feedPages = [];
        new MutationObserver(() => window.__feedPages.push(Number(el.textContent)))
            .observe(el, {childList: true, characterData: true, subtree: true});
    }""")


# The hook is done with a move once: no event of the list awaits its reply (data-phx-ref-src);
# the row that was at the edge is in view again (after the reply the hook scrolls it back, in an
# animation frame); and the hook has seen the resulting position. Scrolling before that races
# it: a scroll while an event is pending is swallowed, and one made before the hook's own
# scroll-back was seen cancels out with it, so no event is sent and the page does not move.
HOOK_SETTLED = """edge => {
    const feed = document.getElementById('feed'), row = document.getElementById(edge);
    const box = feed.getBoundingClientRect(), top = row.getBoundingClientRect().top;
    return !feed.hasAttribute('data-phx-ref-src') && Math.ceil(top) >= box.top
        && Math.floor(top) <= box.bottom && window.__feedSeen === feed.scrollTop;
}"""


def scroll_feed(page, to_bottom):
    """Scroll the feed's box to one end; return the page the server moved to (one page on)."""
    before, _ = feed_state(page)
    edge = page.eval_on_selector(
        "#feed", "(el, down) => (down ? el.lastElementChild : el.firstElementChild).id", to_bottom)
    page.eval_on_selector("#feed", "(el, down) => { el.scrollTop = down ? el.scrollHeight : 0 }",
                          to_bottom)
    expect(page.locator("#feed-page")).to_have_text(str(before + (1 if to_bottom else -1)))
    page.wait_for_function(HOOK_SETTLED, arg=edge, polling="raf")
    return feed_state(page)


def test_feed_scrolls_down_and_back_up_keeping_at_most_150_rows(open_page, page):
    from demo_project.demos.streams import KEEP_PAGES, PAGE

    open_page(page, "/feed/")
    keep = KEEP_PAGES * PAGE
    expect(page.locator("#feed > li")).to_have_count(PAGE)
    watch_max_children(page, "#feed")
    watch_feed_scrolls(page)
    watch_feed_pages(page)
    # Down to page 6, one page a scroll: each page's rows are appended, the oldest trimmed
    # beyond 150.
    for expected in range(2, 7):
        shown, numbers = scroll_feed(page, to_bottom=True)
        first = max(0, expected * PAGE - keep)
        assert (shown, numbers) == (expected, list(range(first, expected * PAGE))), numbers
    assert max_children(page) <= keep, f"the feed held {max_children(page)} rows at once"
    expect(page.locator("#feed > li").first).to_have_text("Row 151")

    # Back up to page 3, one page a scroll: the earlier pages come back at the top, the bottom
    # is trimmed.
    for expected in range(5, KEEP_PAGES - 1, -1):
        shown, numbers = scroll_feed(page, to_bottom=False)
        first = expected * PAGE - keep
        assert (shown, numbers) == (expected, list(range(first, expected * PAGE))), numbers
    expect(page.locator("#feed > li").first).to_have_text("Row 1")
    # One page a scroll and no detours (a page shown, then taken back by a stray event).
    assert page.evaluate("window.__feedPages") == [2, 3, 4, 5, 6, 5, 4, 3]
    assert max_children(page) <= keep
    assert duplicate_ids(page) == []


def post(page, text):
    page.fill("#board-text", text)
    page.press("#board-text", "Enter")


def posts(page):
    return page.eval_on_selector_all("#posts > li.post .text", "els => els.map(el => el.textContent)")


def test_board_posts_and_deletes_reach_every_page(open_page, page, new_page):
    alice, bob = open_page(page, "/board/"), open_page(new_page(), "/board/")
    for tab in (alice, bob):
        expect(tab.locator("#posts-empty")).to_be_visible()
        assert posts(tab) == []

    post(alice, "first")
    post(bob, "second")
    for tab in (alice, bob):  # newest on top, in both
        expect(tab.locator("#posts > li.post .text")).to_have_text(["second", "first"])
        expect(tab.locator("#posts-empty")).to_be_hidden()

    bob.locator("#posts > li.post", has_text="first").locator("button.delete").click()
    for tab in (alice, bob):
        expect(tab.locator("#posts > li.post .text")).to_have_text(["second"])
    alice.locator("#posts > li.post", has_text="second").locator("button.delete").click()
    for tab in (alice, bob):
        expect(tab.locator("#posts > li.post")).to_have_count(0)
        expect(tab.locator("#posts-empty")).to_be_visible()
    assert duplicate_ids(alice) == [] and duplicate_ids(bob) == []


def test_board_keeps_the_newest_posts_and_its_placeholder(open_page, page):
    """Past KEEP_POSTS posts the oldest go, and the empty placeholder is still there (hidden)
    for when every post is deleted."""
    from demo_project.demos.streams import KEEP_POSTS

    open_page(page, "/board/")
    post(page, "post 0")
    # Push from the form only once its submit is answered (the client holds an element with a
    # pending event locked) and the first post is shown.
    expect(page.locator(".board-form:not([data-phx-ref-src])")).to_have_count(1)
    expect(page.locator("#posts > li.post .text").first).to_have_text("post 0")
    # The other posts through the client's JS push (what the form's phx-submit sends, without
    # typing each): one after the other on the socket, so they arrive in order.
    page.eval_on_selector(".board-form", """(form, count) => {
        for (let n = 1; n < count; n++) {
            window.liveSocket.execJS(form, JSON.stringify(
                [["push", {event: "post", value: {text: `post ${n}`}}]]));
        }
    }""", KEEP_POSTS + 2)
    expect(page.locator("#posts > li.post .text").first).to_have_text(f"post {KEEP_POSTS + 1}")
    texts = posts(page)
    assert texts == [f"post {n}" for n in range(KEEP_POSTS + 1, 1, -1)], texts[-3:]
    expect(page.locator("#posts-empty")).to_have_count(1)
    expect(page.locator("#posts-empty")).to_be_hidden()
    assert duplicate_ids(page) == []
