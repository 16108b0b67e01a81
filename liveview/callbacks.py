"""Calling user code: sync or async callbacks, adapted in one place."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable
from inspect import CO_COROUTINE
from typing import Any, Callable

from channels.db import database_sync_to_async


def call_user(func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """`func(*args)`, to await; sync functions run in Django's DB-safe worker thread.

    A plain function, not a coroutine: for an async callback (what handlers mostly are) it
    returns the callback's own coroutine, so every event does not pay a wrapping one.
    """
    # An `async def` function or method without inspect's general checks; whatever else
    # (partials, marked functions, callables) goes through them.
    code = getattr(getattr(func, "__func__", func), "__code__", None)
    if code is not None and code.co_flags & CO_COROUTINE or inspect.iscoroutinefunction(func):
        return func(*args)
    return _call_sync(func, args)


async def _call_sync(func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    # Sync user code may use the ORM: run it where that is allowed, closing stale
    # connections around it as a Django request would.
    result = await database_sync_to_async(func)(*args)
    if inspect.isawaitable(result):  # a sync wrapper returning a coroutine
        result = await result
    return result
