"""Flash: put/clear on the socket, `lv:clear-flash`, and the signed flash token that carries it
across push_navigate (join `flash`), redirect (cookie) and the HTTP render (static token);
django.contrib.messages become flash."""
import logging
import time

import pytest
from django.core import signing

from liveview import flash as flash_module
from liveview.flash import FLASH_COOKIE, FLASH_SALT, sign_flash, verify_flash

from liveview.socket import UnconnectedSocket

MIDDLEWARE = "liveview.flash.FlashCookieMiddleware"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.navigation_views"


async def joined(client, path="/n/pager/"):
    return await client.open(path)


async def test_put_flash_renders_and_clear_flash_event_clears_one_kind(client):
    await joined(client)
    await client.click("noop", flash="Saved.")
    await client.click("noop", flash="Nope.", kind="error")
    assert "<p class='flash-info'>Saved.</p><p class='flash-error'>Nope.</p>" in client.html
    # A phx-click="lv:clear-flash" phx-value-key="info" button sends this.
    reply = await client.event("lv:clear-flash", {"key": "info", "value": ""})
    assert reply["status"] == "ok" and "diff" in reply["response"]
    assert "Saved." not in client.html and "Nope." in client.html


async def test_clear_flash_event_without_key_clears_every_kind(client):
    await joined(client)
    await client.click("noop", flash="Saved.")
    await client.click("noop", flash="Nope.", kind="error")
    await client.event("lv:clear-flash", {})
    assert "flash-" not in client.html


async def test_clear_flash_event_with_a_bad_key_is_refused_and_the_view_lives(client, caplog):
    await joined(client)
    await client.click("noop", flash="Saved.")
    with caplog.at_level(logging.WARNING, logger="liveview.channel"):
        reply = await client.event("lv:clear-flash", {"key": 3})
    assert reply["status"] == "error"
    assert "a flash kind (a non-empty string) or absent" in reply["response"]["reason"]
    assert "got 3" in caplog.text
    assert "Saved." in client.html
    assert (await client.click("noop"))["status"] == "ok"


async def test_other_lv_events_stay_reserved(client):
    await joined(client)
    reply = await client.event("lv:boom", {})
    assert reply == {"status": "error", "response": {"reason": "unknown event 'lv:boom'"}}


async def test_clear_flash_from_a_handler(client):
    await joined(client)
    await client.click("noop", flash="Saved.")
    await client.click("clear", kind="info")
    assert "Saved." not in client.html


async def test_push_navigate_carries_the_flash_to_the_next_view(client):
    await joined(client)
    reply = await client.click("navigate", to="/n/target/", flash="Moved!")
    token = reply["response"]["live_redirect"]["flash"]
    assert verify_flash(token) == {"info": "Moved!"}
    await client.receive()  # phx_close
    await client.request(client.topic, "phx_leave", {})
    reply = await client.join(url=None, redirect="http://testserver/n/target/", flash=token)
    assert reply["status"] == "ok", reply
    assert "<p class='flash-info'>Moved!</p>" in client.html


async def test_navigation_carries_only_a_flash_its_handler_set(client):
    await joined(client)
    await client.click("noop", flash="Shown here already.")
    reply = await client.click("navigate", to="/n/target/")
    assert reply["response"] == {"live_redirect": {"to": "/n/target/", "kind": "push"}}


async def test_navigation_leaves_older_messages_behind(client):
    await joined(client)
    await client.click("noop", flash="Shown here already.", kind="error")
    reply = await client.click("navigate", to="/n/target/", flash="New.")
    assert verify_flash(reply["response"]["live_redirect"]["flash"]) == {"info": "New."}


async def test_flash_set_in_handle_info_rides_the_live_redirect_push(client):
    await joined(client)
    await client.click("later", to="/n/target/")
    push = await client.receive()
    assert push[3] == "live_redirect"
    assert verify_flash(push[4]["flash"]) == {"info": "Sent by handle_info."}


async def test_redirect_join_ignores_the_static_flash_of_the_first_page(client):
    await client.get("/n/dead-flash/")
    await client.join()
    assert "From the HTTP render." in client.html
    await client.request(client.topic, "phx_leave", {})
    await client.join(url=None, redirect="http://testserver/n/target/")
    assert "flash-" not in client.html


async def test_expired_or_tampered_flash_token_is_ignored(client, monkeypatch, caplog):
    await joined(client)
    token = sign_flash({"info": "late"})
    await client.request(client.topic, "phx_leave", {})
    monkeypatch.setattr(flash_module, "FLASH_MAX_AGE", -1)
    reply = await client.join(url=None, redirect="http://testserver/n/target/", flash=token)
    assert reply["status"] == "ok" and "late" not in client.html
    monkeypatch.undo()
    await client.request(client.topic, "phx_leave", {})
    with caplog.at_level(logging.WARNING, logger="liveview.flash"):
        reply = await client.join(url=None, redirect="http://testserver/n/target/",
                                  flash=token[:-2] + "xx")
    assert reply["status"] == "ok" and "late" not in client.html
    assert "bad signature" in caplog.text


def test_flash_tokens_last_a_minute_and_keep_only_string_entries(monkeypatch):
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 50)
    recent = sign_flash({"info": "x"})
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 61)
    old = sign_flash({"info": "x"})
    monkeypatch.undo()
    assert verify_flash(recent) == {"info": "x"}
    assert verify_flash(old) == {}
    # Another salt (a session token, say) is not a flash token.
    assert verify_flash(signing.dumps({"info": "x"}, salt="liveview.session")) == {}
    assert verify_flash(signing.dumps({"info": 1, "": "x", "ok": "y"}, salt=FLASH_SALT)) == \
        {"ok": "y"}
    assert verify_flash(signing.dumps(["info"], salt=FLASH_SALT)) == {}
    assert verify_flash(None) == {} and verify_flash(42) == {}


async def test_redirect_carries_the_flash_in_a_cookie_the_next_page_reads(client):
    await joined(client)
    reply = await client.click("redirect", to="/n/target/", flash="Done.")
    token = reply["response"]["redirect"]["flash"]
    await client.close()
    # What the client does (browser.ts:Browser.redirect): cookie for 60 s, then a page load.
    client.http.cookies[FLASH_COOKIE] = token
    response = await client.http.get("/n/target/")
    assert "<p class='flash-info'>Done.</p>" in response.content.decode()
    assert response.cookies[FLASH_COOKIE]["max-age"] == 0  # shown once
    html = await client.get("/n/target/")
    assert "Done." not in html


async def test_join_shows_the_http_render_flash_then_not_after_a_rejoin(client):
    await client.get("/n/dead-flash/")
    assert "<p class='flash-info'>From the HTTP render.</p>" in client.page_html
    await client.join()
    assert "From the HTTP render." in client.html and "True" in client.html
    # A rejoin (crash, reconnect) has _mounts > 0: the flash was shown already.
    await client.request(client.topic, "phx_leave", {})
    await client.join(params={"_csrf_token": client.csrf_token, "_mounts": 1,
                              "_mount_attempts": 0})
    assert "flash-" not in client.html


async def test_django_messages_show_as_flash_in_http_and_join_renders_once(client):
    await client.http.get("/n/messages/")
    html = await client.get("/n/pager/")
    assert "<p class='flash-info'>Saved. Twice.</p>" in html
    assert "<p class='flash-error'>But one failed.</p>" in html
    await client.join()
    assert "<p class='flash-info'>Saved. Twice.</p>" in client.html
    assert "But one failed." in client.html
    # Consumed: the next page has no messages left.
    await client.close()
    assert "flash-" not in await client.get("/n/pager/")


async def test_mount_that_navigates_away_hands_its_flash_to_the_join_error(client):
    await client.get("/n/mount-away/")
    reply = await client.join()
    assert reply["status"] == "error"
    redirect = reply["response"]["live_redirect"]
    assert redirect["to"] == "/n/target/" and redirect["kind"] == "push"
    assert verify_flash(redirect["flash"]) == {"error": "Moved away in mount."}


def test_put_flash_and_clear_flash_reject_bad_arguments():
    socket = UnconnectedSocket(view_id="phx-x")
    with pytest.raises(TypeError, match=r"put_flash: kind must be a non-empty str .* got ''"):
        socket.put_flash("", "x")
    with pytest.raises(TypeError, match=r"put_flash\('info', \.\.\.\): message must be a str, "
                                        r"got int"):
        socket.put_flash("info", 3)
    with pytest.raises(TypeError, match="clear_flash: kind must be"):
        socket.clear_flash(5)
    socket.put_flash("info", "a")
    socket.put_flash("error", "b")
    socket.clear_flash("info")
    assert socket.flash == {"error": "b"}
    socket.clear_flash()
    assert socket.flash == {}


@pytest.fixture
def flash_middleware(settings):
    at = settings.MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at + 1], MIDDLEWARE,
                           *settings.MIDDLEWARE[at + 1:]]


async def test_middleware_shows_a_redirect_flash_on_a_plain_django_page(client, flash_middleware):
    client.http.cookies[FLASH_COOKIE] = sign_flash({"info": "Hi.", "error": "No.", "odd": "?"})
    response = await client.http.get("/n/show-messages/")
    assert response.content.decode() == "info:Hi.|error:No.|info:?"
    assert response.cookies[FLASH_COOKIE]["max-age"] == 0
    assert (await client.http.get("/n/show-messages/")).content == b""


async def test_middleware_and_a_live_page_show_the_flash_once(client, flash_middleware):
    client.http.cookies[FLASH_COOKIE] = sign_flash({"info": "Once."})
    html = await client.get("/n/target/")
    assert html.count("Once.") == 1
    await client.join()
    assert client.html.count("Once.") == 1
    assert "Once." not in await client.get("/n/target/")
