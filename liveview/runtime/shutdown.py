"""Graceful shutdown: on SIGTERM, finish what is in flight, then send every client elsewhere.

Neither server tells an ASGI application in time: daphne has no lifespan protocol and cancels
every application at once when it stops, and uvicorn closes websockets (1012) *before* it sends
`lifespan.shutdown`, so a handler in flight could never deliver its reply. So the first
websocket or long-poll request a process serves installs a SIGTERM handler in front of the
server's own (from the main thread only: `runserver` with its autoreloader serves from another
thread and keeps its prompt stop). On SIGTERM:

1. the process stops taking joins: a new websocket is closed with 1012 at once, a new long-poll
   session is refused (status 500, the client retries), a join on an open socket is refused
   with `{"reason": "shutting down"}`;
2. each socket waits until its views have handled what they were given (bounded by
   `LIVEVIEW["SHUTDOWN_TIMEOUT"]`), then stops its views (timers, async work, pub/sub,
   `disconnect()`; requests still waiting are answered "view stopped"), sends what is left in
   its buffer and closes with 1012 ("service restart"): the Phoenix client reconnects (to
   another process, behind a load balancer) and rejoins. Long-poll sessions end likewise: their
   next poll is answered 410 and the client opens a session elsewhere;
3. the signal goes on to the server's own handler, which stops it (no connection left to wait
   for). A second SIGTERM skips the wait.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
import weakref
from typing import Any, Protocol

from ..conf import liveview_settings

logger = logging.getLogger(__name__)

#: The reason a join is refused while the process drains.
REASON_SHUTTING_DOWN = "shutting down"
#: Stopping views runs their `disconnect()` (bounded at 5 s each): the drain as a whole gets
#: this much beyond SHUTDOWN_TIMEOUT before the signal goes on regardless.
STOP_GRACE = 8.0


class Drainable(Protocol):
    """A websocket or a long-poll session: it finishes its work and closes by `deadline`."""

    async def drain(self, deadline: float) -> None: ...


class Shutdown:
    """This event loop's open connections, and the drain that ends them."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.draining = False
        self._members: set[Drainable] = set()
        self.task: asyncio.Task | None = None

    def register(self, member: Drainable) -> None:
        """`member` is open; the first one of the process installs the SIGTERM handler."""
        self._members.add(member)
        _install()

    def unregister(self, member: Drainable) -> None:
        self._members.discard(member)

    def start(self, done: Any) -> None:
        """Drain (once), then call `done()`."""
        if self.task is None:
            self.task = self.loop.create_task(self._drain_then(done), name="liveview shutdown")

    async def _drain_then(self, done: Any) -> None:
        try:
            await self.drain(float(liveview_settings.SHUTDOWN_TIMEOUT))
        except Exception:
            logger.exception("draining connections failed")
        finally:
            done()

    async def drain(self, timeout: float) -> None:
        """Refuse joins from now on; let every connection finish and close within `timeout`
        seconds (plus the time views take to stop)."""
        self.draining = True
        members = list(self._members)
        logger.info("shutting down: draining %d connection(s), up to %ss (SHUTDOWN_TIMEOUT)",
                    len(members), timeout)
        deadline = self.loop.time() + timeout
        results: list[Any] = []
        try:
            async with asyncio.timeout(timeout + STOP_GRACE):
                results = await asyncio.gather(*(m.drain(deadline) for m in members),
                                               return_exceptions=True)
        except TimeoutError:
            logger.warning("shutting down: connections still open after %ss",
                           timeout + STOP_GRACE)
        failures = [r for r in results if isinstance(r, BaseException)]
        for failure in failures:
            logger.error("shutting down: a connection failed to drain (%s: %s)",
                         type(failure).__name__, failure)
        logger.info("shutting down: %d connection(s) closed", len(members) - len(failures))


_shutdowns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Shutdown] = \
    weakref.WeakKeyDictionary()


def current() -> Shutdown:
    """This event loop's `Shutdown` (a server has one loop; tests make one per test)."""
    loop = asyncio.get_running_loop()
    found = _shutdowns.get(loop)
    if found is None:
        found = _shutdowns[loop] = Shutdown(loop)
    return found


# The process's SIGTERM handler ------------------------------------------------------------------
_previous: Any = None  # the server's handler, once ours is installed
_handed_over = False  # the process is stopping: never install again


def _install() -> None:
    """Put the drain in front of the server's SIGTERM handler, once per process (signal
    handlers can only be set from the main thread; elsewhere the server's stays alone)."""
    global _previous
    if _previous is not None or _handed_over \
            or threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    _previous = signal.SIG_DFL if previous is None else previous
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: Any) -> None:
    live = [s for s in list(_shutdowns.values()) if s.loop.is_running()]
    if not live or any(s.task is not None for s in live):
        if live:  # the second SIGTERM: stop now
            logger.warning("SIGTERM again: stopping without waiting for the drain")
        _hand_over(signum)
        return
    waiting = set(live)

    def done(shutdown: Shutdown) -> None:
        waiting.discard(shutdown)
        if not waiting:
            _hand_over(signum)

    for shutdown in live:
        shutdown.loop.call_soon_threadsafe(shutdown.start, lambda s=shutdown: done(s))


def _hand_over(signum: int) -> None:
    """The server's own handler (or the default action) takes the signal from here on."""
    global _previous, _handed_over
    previous, _previous, _handed_over = _previous, None, True
    if previous is None or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signum, previous)
    signal.raise_signal(signum)
