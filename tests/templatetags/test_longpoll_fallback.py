"""LONGPOLL_FALLBACK_MS: rendered on the client script's tag, checked at startup."""
import pytest

from liveview.checks import check_settings
from liveview.templatetags.liveview import liveview_script


def test_the_default_enables_the_fallback_after_2500_ms():
    assert 'data-longpoll-fallback-ms="2500"' in liveview_script()


@pytest.mark.parametrize("value", [None, 0])
def test_none_or_0_turns_it_off(settings, value):
    settings.LIVEVIEW = {"LONGPOLL_FALLBACK_MS": value}
    assert liveview_script() == '<script defer src="/static/liveview/liveview.js"></script>'
    assert e004() == []


def e004():
    return [error for error in check_settings() if error.id == "liveview.E004"]


def test_a_value_of_the_wrong_type_is_an_error(settings):
    for value in ("2500", 2.5, -1, True):
        settings.LIVEVIEW = {"LONGPOLL_FALLBACK_MS": value}
        (error,) = e004()
        assert error.id == "liveview.E004" and repr(value) in error.msg
    settings.LIVEVIEW = {"LONGPOLL_FALLBACK_MS": 1000}
    assert e004() == []
    assert 'data-longpoll-fallback-ms="1000"' in liveview_script()
