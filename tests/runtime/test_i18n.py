"""A connected view speaks the language its page was rendered in (LocaleMiddleware's choice),
carried in its signed session token, not the process default."""
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
    settings.MIDDLEWARE = middleware


async def _open(language: str) -> LiveViewTestClient:
    """The page, as a browser whose language cookie (set by Django's `set_language` view)
    asks for `language`: LocaleMiddleware activates it for the HTTP render."""
    client = LiveViewTestClient(application)
    client.http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
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
    token = SessionToken("phx-a", "x.View", "default", language="fr")
    assert verify_session(sign_session(token), "phx-a").language == "fr"
    assert verify_session(sign_session(SessionToken("phx-a", "x.View", "default")),
                          "phx-a").language is None


def test_a_token_with_a_language_of_another_type_is_refused():
    from django.core import signing

    from liveview.tokens import SESSION_SALT

    bad = signing.dumps({"id": "phx-a", "view": "x.View", "ls": "default", "l": ["fr"]},
                        salt=SESSION_SALT, compress=False)
    with pytest.raises(TokenError, match="malformed"):
        verify_session(bad, "phx-a")
