"""The change tracker's token of the active language and time zone (`core.environment`)."""
from __future__ import annotations

import contextvars
import threading
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone, translation

from liveview.core import environment
from liveview.core.render import render_tree
from liveview.core.tracking import TRACK_KEY, Tracker
from tests.core.treekit import make_engine

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def in_fresh_context(function: Any) -> Any:
    """Run `function` in a copy of an empty context, as a view's task runs its handlers."""
    return contextvars.Context().run(function)


def by_api() -> tuple[Any, ...]:
    return (translation.get_language(), timezone.get_current_timezone())


def test_the_pinned_asgiref_is_read_directly() -> None:
    # Fails when an asgiref upgrade changes how a Local keeps its values: `current()` then
    # takes Django's API at every tracked render (correct, ~6 times slower): look again.
    assert environment.FAST


def test_with_both_activated_the_token_holds_while_nothing_is_activated_again() -> None:
    def check() -> None:
        translation.activate("fr")
        timezone.activate(PARIS)
        token = environment.current()
        assert environment.current() == token
        assert by_api() == ("fr", PARIS)
        translation.activate("de")
        assert environment.current() != token
        token = environment.current()
        timezone.activate(TOKYO)
        assert environment.current() != token
        token = environment.current()
        # Activating the same again makes a new storage: a new token (renders everything
        # once, the safe side).
        translation.activate("de")
        assert environment.current() != token

    in_fresh_context(check)


@pytest.mark.parametrize("setup", ["nothing", "language only", "zone only", "deactivated"])
def test_otherwise_the_token_is_what_django_answers(setup: str) -> None:
    def check() -> tuple[Any, ...]:
        if setup in ("language only", "deactivated"):
            translation.activate("fr")
        if setup in ("zone only", "deactivated"):
            timezone.activate(PARIS)
        if setup == "deactivated":
            translation.deactivate()
        return environment.current()

    token = in_fresh_context(check)
    expected = in_fresh_context(lambda: (check(), by_api())[1])
    assert token == expected
    assert isinstance(token[0], str)


@pytest.fixture
def translation_off(settings: Any) -> Any:
    # Django binds its translation functions at their first use: unbound here and again
    # after the test (as Django's docs tell tests that change USE_I18N).
    settings.USE_I18N = False
    translation._trans.__dict__.clear()  # type: ignore[attr-defined]
    yield
    settings.USE_I18N = True
    translation._trans.__dict__.clear()  # type: ignore[attr-defined]


def test_with_translation_off_the_token_is_what_django_answers(translation_off: Any,
                                                               settings: Any) -> None:
    def check() -> None:
        translation.activate("fr")  # does nothing without USE_I18N
        timezone.activate(PARIS)
        assert environment.current() == (settings.LANGUAGE_CODE, PARIS) == by_api()

    in_fresh_context(check)


def test_a_translation_local_replaced_by_a_setting_change_is_followed(settings: Any) -> None:
    # Django's test signals replace the translation Local when LANGUAGE_CODE changes.
    environment.current()
    settings.LANGUAGE_CODE = "nl"

    def check() -> None:
        translation.activate("fr")
        timezone.activate(PARIS)
        token = environment.current()
        assert not isinstance(token[0], str)  # the storages: the new Local's
        translation.activate("de")
        assert environment.current() != token
        assert by_api()[0] == "de"

    in_fresh_context(check)


def test_storages_made_in_another_thread_are_not_taken() -> None:
    # A thread started with a copy of this context (as a Python 3.14 free-threaded build
    # does by default) sees storages asgiref does not hand it: Django's answer is the default.
    def activate_then_look_from_a_thread() -> tuple[Any, Any]:
        translation.activate("fr")
        timezone.activate(PARIS)
        seen: list[Any] = []
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=lambda: seen.extend(context.run(lambda: (environment.current(), by_api()))))
        thread.start()
        thread.join()
        return seen[0], seen[1]

    token, expected = in_fresh_context(activate_then_look_from_a_thread)
    assert token == expected
    assert token[0] != "fr"


def test_a_tracked_render_follows_a_language_activated_in_a_handler() -> None:
    template = make_engine({"t": "{{ n }}"}).get_template("t")
    tracker = Tracker()

    def render() -> str:
        return str(render_tree(template, {"n": 1.5, TRACK_KEY: tracker})["0"])

    def handlers() -> list[str]:
        translation.activate("en")
        timezone.activate(PARIS)
        seen = [render(), render()]
        translation.activate("de")  # what a handler may do
        seen += [render(), render()]
        translation.activate("en")
        seen.append(render())
        return seen

    assert in_fresh_context(handlers) == ["1.5", "1.5", "1,5", "1,5", "1.5"]
