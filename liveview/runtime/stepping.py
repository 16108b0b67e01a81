"""Coroutines stepped by hand, finished as a task would finish them.

The runtime takes a coroutine's first step in the caller's task to save a task switch (a
handler for an idle view in `ViewChannel.post`, a frame's `send` in
`LiveViewConsumer.send_text`). When that step does not finish it, the coroutine has yielded a
future (or None, a bare yield) and another task takes over; `wait_for_yield` is what asyncio's
Task does with such a yield before stepping the coroutine again.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable


def _python_step(coroutine: Any) -> Any:
    """`coroutine.send(None)`: what it yielded, or DONE when it returned (`step`)."""
    try:
        return coroutine.send(None)
    except StopIteration:
        return DONE


try:
    # In C (setup.py builds it when a compiler is there): a return without StopIteration
    # raised and caught, twice a click (liveview/runtime/_stepping.c).
    from ._stepping import DONE
    from ._stepping import step as _native_step
except ImportError:  # pragma: no cover - a build without a compiler
    DONE = object()
    _native_step = None  # type: ignore[assignment]

#: One step of a coroutine: `coroutine.send(None)`, returning what it yielded, or DONE (an
#: object no coroutine yields) when it returned; what it raises is raised.
step: Callable[[Any], Any] = _python_step if _native_step is None else _native_step


async def wait_for_yield(waiting_on: Any) -> None:
    """Wait for what a hand-stepped coroutine yielded: a future, or None (a bare yield).

    Outcomes are not raised from here on the coroutine's behalf: it reads its own future's
    result or exception when it is stepped again. A CancelledError raised here is the
    waiting task's own cancellation (or the future's), for the caller to handle.
    """
    if waiting_on is None:  # asyncio.sleep(0) in the coroutine
        await asyncio.sleep(0)
    else:
        # What a task does with a future its coroutine yields: clear the flag the yield set,
        # then wait for it.
        waiting_on._asyncio_future_blocking = False
        await waiting_on
