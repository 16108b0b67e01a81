"""One step of a coroutine (`liveview.runtime.stepping.step`), in C and in Python: what it
yielded, DONE when it returned, what it raised raised."""
from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest

from liveview.runtime import stepping

# Imported, not skipped when missing: `make setup` builds it (setup.py, optional=True), and a
# build that failed silently must fail here, not leave every click on its slow path unseen.
from liveview.runtime import _stepping  # noqa: E402


def test_the_extension_is_built_here_and_used() -> None:
    assert stepping.step is _stepping.step and stepping.DONE is _stepping.DONE


@pytest.fixture(params=["c", "python"])
def step(request: pytest.FixtureRequest) -> Any:
    return _stepping.step if request.param == "c" else stepping._python_step


@types.coroutine
def bare_yield() -> Any:
    return (yield)  # what asyncio.sleep(0) yields: None


async def returns(value: Any) -> Any:
    return value


async def waits(future: Any) -> Any:
    await bare_yield()
    return await future


async def raises() -> None:
    raise KeyError("inside")


def test_a_return_is_done_whatever_the_value(step: Any) -> None:
    for value in (None, 0, stepping.DONE, "x"):
        coroutine = returns(value)
        assert step(coroutine) is stepping.DONE
        assert coroutine.cr_frame is None  # finished


async def test_what_is_yielded_comes_back_none_included(step: Any) -> None:
    future = asyncio.get_running_loop().create_future()
    coroutine = waits(future)
    assert step(coroutine) is None  # the bare yield, not DONE
    assert step(coroutine) is future
    future.set_result(5)
    assert step(coroutine) is stepping.DONE


def test_what_it_raises_is_raised_and_a_finished_coroutine_refuses(step: Any) -> None:
    coroutine = raises()
    with pytest.raises(KeyError, match="inside"):
        step(coroutine)
    with pytest.raises(RuntimeError):  # cannot reuse an already awaited coroutine
        step(coroutine)
    with pytest.raises((TypeError, AttributeError)):
        step(5)
