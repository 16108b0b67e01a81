"""Calling user code: sync or async callbacks, adapted in one place."""
from __future__ import annotations

import inspect
from typing import Any, Callable

from channels.db import database_sync_to_async


async def call_user(func: Callable[..., Any], *args: Any) -> Any:
    """Await `func(*args)`; sync functions run in Django's DB-safe worker thread."""
    if inspect.iscoroutinefunction(func):
        return await func(*args)
    # Sync user code may use the ORM: run it where that is allowed, closing stale
    # connections around it as a Django request would.
    result = await database_sync_to_async(func)(*args)
    if inspect.isawaitable(result):  # a sync wrapper returning a coroutine
        result = await result
    return result
