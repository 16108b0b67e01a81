"""A connected view speaks the language and uses the time zone its page was rendered with
(LocaleMiddleware's and the project's middleware's choice), carried in its signed session
token, not the process defaults."""
from __future__ import annotations

import pytest
from django.conf import settings

from demo_project.asgi import application
from liveview.testing import LiveViewTestClient
from liveview.tokens import SessionToken, TokenError, sign_session, verify_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def i18n_settings(settings):
    settings.ROOT_URLCONF = "tests.runtime.i18n_urls"
    settings.LANGUAGE_CODE = "en"
    settings.LANGUAGES = [("en", "English"), ("fr", "French"), ("de", "German")]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "django.middleware.locale.LocaleMiddleware")
    settings.MIDDLEWARE = [*middleware, "tests.runtime.i18n_views.time_zone_middleware"]


async def _open(language: str, zone: str = "") -> LiveViewTestClient:
    """The page, as a browser whose language cookie (set by Django's `set_language` view)
    asks for `language` (LocaleMiddleware activates it for the HTTP render) and whose `tz`
    cookie names `zone` (the project's middleware activates it)."""
    client = LiveViewTestClient(application)
    client.http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if zone:
        client.http.cookies["tz"] = zone
    await client.open("/i18n/")
    return client


@pytest.mark.parametrize("language", ["fr", "de", "en"])
async def test_the_connected_view_and_its_child_speak_the_page_language(language):
    client = await _open(language)
    try:
        assert f"<p id='lang'>{language}</p>" in client.page_html  # the HTTP render
        assert client.element("#lang").text == language  # the join's render
        await client.click("bump")
        assert client.element("#n").text == "1"
        assert client.element("#lang").text == language  # and every one after it
        kid = await client.find_live_child("kid")
        assert kid.element("#kid-lang").text == language
    finally:
        await client.close()


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Sao_Paulo"])
async def test_the_connected_view_and_its_child_use_the_page_time_zone(zone):
    client = await _open("en", zone)
    try:
        assert f"<p id='zone'>{zone}</p>" in client.page_html
        assert client.element("#zone").text == zone
        await client.click("bump")
        assert client.element("#zone").text == zone
        kid = await client.find_live_child("kid")
        assert kid.element("#kid-zone").text == zone
    finally:
        await client.close()


async def test_without_a_chosen_zone_the_default_one_is_used():
    client = await _open("en")
    try:
        assert client.element("#zone").text == settings.TIME_ZONE
    finally:
        await client.close()


def test_a_fixed_offset_zone_is_not_carried():
    import datetime

    from django.utils import timezone

    from liveview.tokens import active_locale

    with timezone.override(datetime.timezone(datetime.timedelta(hours=5))):
        assert active_locale()["time_zone"] is None
    with timezone.override("Europe/Paris"):
        assert active_locale()["time_zone"] == "Europe/Paris"


async def test_the_view_may_activate_another_language_for_itself():
    client = await _open("fr")
    try:
        await client.event("switch", {"to": "de"})
        assert client.element("#lang").text == "de"
        await client.click("bump")
        assert client.element("#lang").text == "de"
    finally:
        await client.close()


def test_the_language_travels_signed():
    token = SessionToken("phx-a", "x.View", "default", language="fr", time_zone="Asia/Tokyo")
    verified = verify_session(sign_session(token), "phx-a")
    assert (verified.language, verified.time_zone) == ("fr", "Asia/Tokyo")
    assert verify_session(sign_session(SessionToken("phx-a", "x.View", "default")),
                          "phx-a").language is None


@pytest.mark.parametrize("field", ["l", "z"])
def test_a_token_with_a_language_or_zone_of_another_type_is_refused(field):
    from django.core import signing

    from liveview.tokens import SESSION_SALT

    bad = signing.dumps({"id": "phx-a", "view": "x.View", "ls": "default", field: ["fr"]},
                        salt=SESSION_SALT, compress=False)
    with pytest.raises(TokenError, match="malformed"):
        verify_session(bad, "phx-a")


async def test_a_zone_unknown_at_the_join_falls_back_to_the_default(monkeypatch, caplog):
    # The token is signed, so only a zone this server knew can be in it; tzdata may still
    # have changed between the page and the join (a deploy).
    from liveview import tokens

    real = tokens.active_locale
    monkeypatch.setattr(tokens, "active_locale",
                        lambda: {**real(), "time_zone": "Mars/Olympus_Mons"})
    monkeypatch.setattr("liveview.page.active_locale", tokens.active_locale)
    client = await _open("fr", "Asia/Tokyo")
    try:
        assert client.element("#zone").text == settings.TIME_ZONE
        assert client.element("#lang").text == "fr"
        assert "time zone 'Mars/Olympus_Mons' of the page is unknown here" in caplog.text
    finally:
        await client.close()
