"""Production static files: DEBUG=0, `collectstatic` into STATIC_ROOT, whitenoise serving the
client bundle, under daphne and under uvicorn, with the counter working live in Chromium.

The servers use tests/support/production_settings.py: the demo settings with STATIC_ROOT moved
to a temp folder ($LIVEVIEW_TEST_STATIC_ROOT), so the checkout's staticfiles/ is never touched.
"""
import pytest
from playwright.sync_api import expect

from tests.support.pytest_servers import require_js_bundle
from tests.support.servers import (PRODUCTION_SETTINGS, SERVER_KINDS, ServerFactory,
                                   collect_static)

pytestmark = pytest.mark.browser

BUNDLE_URL = "/static/liveview/liveview.js"
SENTINEL = "only-in-static-root.txt"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    require_js_bundle()
    root = collect_static(tmp_path_factory.mktemp("collected") / "staticfiles")
    # A file that no finder knows: served only if whitenoise reads STATIC_ROOT (DEBUG=0 mode).
    (root / SENTINEL).write_text("from STATIC_ROOT\n")
    return root


@pytest.fixture(scope="module", params=SERVER_KINDS)
def production_server(request, tmp_path_factory, server_template_db, static_root):
    factory = ServerFactory(tmp_path_factory.mktemp(f"prod-{request.param}"), server_template_db)
    server = factory(request.param, settings=PRODUCTION_SETTINGS, debug=False,
                     LIVEVIEW_TEST_STATIC_ROOT=static_root)
    yield server
    factory.stop_all()


def test_collectstatic_copies_the_bundle(static_root):
    collected = static_root / "liveview" / "liveview.js"
    assert collected.is_file(), f"collectstatic did not copy the bundle into {static_root}"
    assert collected.read_bytes() == require_js_bundle().read_bytes()


def test_bundle_is_served_from_static_root(production_server, static_root):
    status, headers, body = production_server.get(BUNDLE_URL)
    assert status == 200, f"GET {BUNDLE_URL} -> {status}"
    content_type = headers.get("content-type", "").split(";")[0].strip()
    assert content_type in ("text/javascript", "application/javascript"), headers
    assert body == (static_root / "liveview" / "liveview.js").read_bytes()

    status, _, body = production_server.get(f"/static/{SENTINEL}")
    assert (status, body) == (200, b"from STATIC_ROOT\n"), "static files not read from STATIC_ROOT"


def test_debug_is_off(production_server):
    status, _, body = production_server.get("/no-such-page/")
    assert status == 404
    assert b"URLconf" not in body, "Django's DEBUG 404 page: DJANGO_DEBUG=0 did not take effect"


def test_counter_works_live(production_server, open_live, page):
    status, _, html = production_server.get("/counter/")
    assert status == 200, html[:2000]
    assert BUNDLE_URL.encode() in html, "the page does not load the bundle from STATIC_URL"

    open_live(production_server.url + "/counter/")
    count = page.locator("#count")
    expect(count).to_have_text("0")
    page.click("#increment")
    expect(count).to_have_text("1")
    page.click("#increment")
    expect(count).to_have_text("2")
