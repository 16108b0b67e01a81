"""The checks every client frame passes, in C (`liveview.core._frames`): the Python ones'
results, always.

`head_fits` must accept exactly the decoded frames `_python_head_fits` accepts, and
`fits_event` exactly the payloads `_python_fits_event` passes (tests/core/test_protocol.py and
tests/core/test_schema.py run their cases with each of the two).
"""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveview.core import protocol, schema

# Imported, not skipped when missing: `make setup` builds it (setup.py, optional=True), and a
# build that failed silently must fail here, not leave every frame on its slow path unseen.
from liveview.core._frames import fits_event, head_fits, set_limits  # noqa: E402


def test_the_extension_is_built_here_and_used() -> None:
    assert protocol._head_fits is head_fits
    assert schema.fits_event is fits_event


class Text(str):
    pass


def strings(limit: int) -> st.SearchStrategy[str]:
    """Strings around `limit` characters (the limits count characters, not bytes)."""
    return st.one_of(st.text(max_size=3), st.sampled_from(["é" * limit, "x" * (limit + 1),
                                                           "\U0001f600" * limit]),
                     st.builds(Text, st.text(max_size=2)))


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                   st.just({}), st.just({"a": 1}), st.just([]), st.just(["x"]),
                   st.text(max_size=2))
HEADS = st.one_of(
    st.lists(st.one_of(VALUES, strings(protocol.MAX_REF_CHARS)), max_size=6),
    st.tuples(st.one_of(st.none(), strings(protocol.MAX_REF_CHARS), VALUES),
              st.one_of(st.none(), strings(protocol.MAX_REF_CHARS), VALUES),
              st.one_of(strings(protocol.MAX_TOPIC_CHARS), VALUES),
              st.one_of(strings(protocol.MAX_EVENT_CHARS), VALUES),
              st.one_of(st.just({}), VALUES)).map(list),
    VALUES)


@settings(max_examples=600, deadline=None)
@given(HEADS)
def test_any_decoded_frame_fits_as_in_python(data: Any) -> None:
    assert head_fits(data) is protocol._python_head_fits(data)


def test_the_limits_are_characters_and_inclusive() -> None:
    ref = "é" * protocol.MAX_REF_CHARS
    assert head_fits([ref, ref, "t" * protocol.MAX_TOPIC_CHARS,
                      "e" * protocol.MAX_EVENT_CHARS, {}])
    assert not head_fits([ref + "é", None, "t", "e", {}])
    assert not head_fits((None, None, "t", "e", {}))  # a list, as JSON arrays decode


FIELD_VALUES = st.one_of(VALUES, st.builds(Text, st.text(max_size=2)), st.just(True))
PAYLOADS = st.dictionaries(st.sampled_from(["event", "type", "meta", "uploads", "cid",
                                            "value", "other"]), FIELD_VALUES, max_size=6)


@settings(max_examples=600, deadline=None)
@given(PAYLOADS)
def test_any_event_payload_fits_as_in_python(payload: dict[str, Any]) -> None:
    assert fits_event(payload) is schema._python_fits_event(payload)


def test_bad_input_is_refused_as_python_refuses_it() -> None:
    with pytest.raises(TypeError):
        fits_event([])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        set_limits(-1, 1, 1)
    with pytest.raises(TypeError):
        set_limits(1, 1)  # type: ignore[call-arg]
    # (The limits were not changed by the refused calls.)
    assert not head_fits([None, None, "t" * (protocol.MAX_TOPIC_CHARS + 1), "e", {}])
