"""schedule_info / schedule_info_once: timers that post into a view's own mailbox."""
from __future__ import annotations

import asyncio
from typing import Any, Callable


def _key(event: Any) -> str:
    return str(getattr(event, "name", event))


class Timers:
    """The timers of one view; scheduling an event again replaces its timer."""

    def __init__(self, post: Callable[[Any], None]):
        self._post = post
        self._handles: dict[str, asyncio.TimerHandle] = {}

    def schedule(self, event: Any, seconds: float, *, repeat: bool) -> None:
        """Post `event` after `seconds`, and then every `seconds` when `repeat`."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError(f"schedule_info: seconds must be a number >= 0, got {seconds!r}")
        if repeat and seconds == 0:
            raise ValueError("schedule_info: a recurring event needs seconds > 0")
        key = _key(event)
        self.cancel(key)
        loop = asyncio.get_running_loop()
        self._handles[key] = loop.call_later(seconds, self._fire, key, event, seconds, repeat)

    def _fire(self, key: str, event: Any, seconds: float, repeat: bool) -> None:
        if repeat:
            loop = asyncio.get_running_loop()
            self._handles[key] = loop.call_later(seconds, self._fire, key, event, seconds, True)
        else:
            self._handles.pop(key, None)
        self._post(event)

    def cancel(self, key: str) -> None:
        """Stop the timer of event `key`, if any."""
        handle = self._handles.pop(key, None)
        if handle is not None:
            handle.cancel()

    def cancel_all(self) -> None:
        """Stop every timer (the view is going away)."""
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()

    def __len__(self) -> int:
        return len(self._handles)
