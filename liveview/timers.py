"""schedule_info / schedule_info_once: timers that post into a view's own mailbox.

Timers are plain event-loop timer handles (no task per timer); a view's timers all end
with the view. Ticks go through the same ordered mailbox as client events and pub/sub
messages, so `handle_info` never runs concurrently with another handler of the view.
"""
from __future__ import annotations

import asyncio
import datetime
import itertools
import math
from typing import Any, Callable

from .events import InfoEvent


def as_info_event(event: Any, method: str) -> InfoEvent:
    """The InfoEvent `handle_info` will receive for `event` (an InfoEvent or its name)."""
    if isinstance(event, InfoEvent):
        return event
    if isinstance(event, str) and event:
        return InfoEvent(event)
    raise TypeError(f"{method}: event must be an InfoEvent or a non-empty str, "
                    f"got {type(event).__name__} {event!r}")


def as_seconds(seconds: Any, method: str, *, repeat: bool) -> float:
    """`seconds` (a number or a timedelta) checked: finite, >= 0, and > 0 when recurring."""
    if isinstance(seconds, datetime.timedelta):
        seconds = seconds.total_seconds()
    if (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
            or not math.isfinite(seconds) or seconds < 0):
        raise ValueError(f"{method}: seconds must be a finite number >= 0 (or a timedelta), "
                         f"got {seconds!r}")
    if repeat and seconds == 0:
        raise ValueError(f"{method}: a recurring event needs seconds > 0, got 0")
    return float(seconds)


class Timers:
    """The timers of one view.

    - Recurring events are keyed by name: scheduling one again replaces it.
    - A recurring event keeps its rhythm (deadlines are `start + n * seconds`, no drift) and
      is skipped while its previous tick still waits in the mailbox, so a slow handler never
      builds up a backlog of ticks.
    - One-time events are independent: each call posts once.
    """

    def __init__(self, post: Callable[[InfoEvent], None]):
        self._post = post
        self._recurring: dict[str, asyncio.TimerHandle] = {}
        self._once: dict[int, asyncio.TimerHandle] = {}
        self._ids = itertools.count()
        # Recurring ticks posted and not yet taken by the view, by name.
        self._waiting: dict[str, InfoEvent] = {}

    def schedule(self, event: Any, seconds: Any, *, repeat: bool) -> None:
        """Post `event` after `seconds`, and then every `seconds` when `repeat`."""
        method = "schedule_info" if repeat else "schedule_info_once"
        info = as_info_event(event, method)
        delay = as_seconds(seconds, method, repeat=repeat)
        loop = asyncio.get_running_loop()
        if repeat:
            self.cancel(info.name)
            self._arm(loop, info, loop.time() + delay, delay)
        else:
            key = next(self._ids)
            self._once[key] = loop.call_later(delay, self._fire_once, key, info)

    def _arm(self, loop: asyncio.AbstractEventLoop, info: InfoEvent, when: float,
             every: float) -> None:
        self._recurring[info.name] = loop.call_at(when, self._fire, info, when, every)

    def _fire(self, info: InfoEvent, when: float, every: float) -> None:
        loop = asyncio.get_running_loop()
        following = when + every
        if following <= loop.time():  # the loop was held up: skip the missed beats
            following = loop.time() + every
        self._arm(loop, info, following, every)
        if info.name in self._waiting:
            return  # the last tick is still queued; one is enough
        self._waiting[info.name] = info
        self._post(info)

    def _fire_once(self, key: int, info: InfoEvent) -> None:
        self._once.pop(key, None)
        self._post(info)

    def taken(self, event: InfoEvent) -> None:
        """The view is about to handle `event`: a later tick of it may be queued again."""
        if self._waiting.get(event.name) is event:
            del self._waiting[event.name]

    def cancel(self, name: str) -> None:
        """Stop the recurring event `name`, if any."""
        handle = self._recurring.pop(name, None)
        if handle is not None:
            handle.cancel()
        self._waiting.pop(name, None)

    def cancel_all(self) -> None:
        """Stop every timer (the view is going away)."""
        for handle in (*self._recurring.values(), *self._once.values()):
            handle.cancel()
        self._recurring.clear()
        self._once.clear()
        self._waiting.clear()

    def __len__(self) -> int:
        return len(self._recurring) + len(self._once)
