"""Keeping database connections healthy for long-lived websockets.

Channels closes stale connections before every message, which costs a thread hop per
frame (docs/internals.md, "Database connections"). Sync user code already gets that from
`database_sync_to_async`. For async handlers using the async ORM, a cleanup in the ORM's
thread runs in the background at most once a second, off the reply path.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time

from channels.db import database_sync_to_async

logger = logging.getLogger(__name__)

_INTERVAL = 1.0
_last = 0.0
_running: asyncio.Task | None = None
#: `time.monotonic()` before which `schedule_connection_cleanup` surely does nothing (a
#: cleanup runs, or one started less than _INTERVAL ago): a caller at every click tests
#: this without calling it.
cleanup_due = 0.0


def _noop() -> None:
    """Run by database_sync_to_async, which closes stale connections around it."""


async def _cleanup() -> None:
    global _running, cleanup_due
    try:
        await database_sync_to_async(_noop)()
    except Exception as exc:
        # Nobody awaits this task: an exception left in it would only surface, later and
        # elsewhere, as "Task exception was never retrieved".
        logger.warning("closing stale database connections failed (%s: %s)",
                       type(exc).__name__, exc)
    finally:
        _running = None
        cleanup_due = _last + _INTERVAL


def schedule_connection_cleanup() -> None:
    """Ask for a stale-connection cleanup soon (cheap; rate limited)."""
    global _last, _running, cleanup_due
    now = time.monotonic()
    if _running is not None or now - _last < _INTERVAL:
        return
    _last = now
    _running = asyncio.get_running_loop().create_task(_cleanup())
    cleanup_due = math.inf  # until it is done
