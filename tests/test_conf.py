"""`liveview_settings`: LIVEVIEW over the defaults, read once, read again when it changes."""
from __future__ import annotations

import dis

import pytest
from django.test import override_settings

from liveview.conf import DEFAULTS, LiveViewSettings, liveview_settings


@pytest.fixture(autouse=True)
def _settings_read_afresh():
    # Each test starts from an unread object (as after a LIVEVIEW change) and leaves one.
    with override_settings(LIVEVIEW={}):
        yield


def test_unset_settings_are_the_defaults():
    assert liveview_settings.MAX_FRAME_BYTES == DEFAULTS["MAX_FRAME_BYTES"]
    assert liveview_settings.HANDLER_TIMEOUT == DEFAULTS["HANDLER_TIMEOUT"]


def test_a_change_of_liveview_is_read_again_after_the_first_read():
    assert liveview_settings.MAX_FRAME_BYTES == DEFAULTS["MAX_FRAME_BYTES"]
    with override_settings(LIVEVIEW={"MAX_FRAME_BYTES": 1234}):
        assert liveview_settings.MAX_FRAME_BYTES == 1234
        # The others stay the defaults.
        assert liveview_settings.HANDLER_TIMEOUT == DEFAULTS["HANDLER_TIMEOUT"]
    assert liveview_settings.MAX_FRAME_BYTES == DEFAULTS["MAX_FRAME_BYTES"]


def test_an_unknown_name_read_first_names_the_known_ones():
    with pytest.raises(AttributeError, match="unknown LIVEVIEW setting 'NO_SUCH'.*MAX_FRAME"):
        liveview_settings.NO_SUCH  # noqa: B018


def test_an_unknown_name_read_later_is_an_attribute_error_too():
    assert liveview_settings.MAX_FRAME_BYTES
    with pytest.raises(AttributeError, match="NO_SUCH"):
        liveview_settings.NO_SUCH  # noqa: B018
    assert getattr(liveview_settings, "NO_SUCH", "default") == "default"


def test_a_value_set_on_the_object_before_the_first_read_stays(monkeypatch):
    # (What monkeypatch.setattr does when it runs first.)
    liveview_settings.__dict__["HANDLER_TIMEOUT"] = 0.5
    assert liveview_settings.MAX_FRAME_BYTES == DEFAULTS["MAX_FRAME_BYTES"]
    assert liveview_settings.HANDLER_TIMEOUT == 0.5


def test_once_read_the_settings_are_plain_attributes():
    # Every frame reads some: CPython specializes a plain attribute's read, never one through
    # a class with __getattr__.
    assert type(liveview_settings) is LiveViewSettings  # (unread)
    assert liveview_settings.MAX_FRAME_BYTES
    assert not hasattr(type(liveview_settings), "__getattr__")
    assert set(DEFAULTS) <= set(vars(liveview_settings))


def test_a_hot_read_is_specialized():
    def read() -> int:
        return liveview_settings.MAX_FRAME_BYTES

    for _ in range(100):
        read()
    reads = [i.opname for i in dis.get_instructions(read, adaptive=True)
             if i.opname.startswith("LOAD_ATTR")]
    # (LOAD_ATTR_ADAPTIVE, or LOAD_ATTR from 3.12: the generic read.)
    assert reads and all(name not in ("LOAD_ATTR", "LOAD_ATTR_ADAPTIVE") for name in reads), reads
