"""Measuring a view's stages for `liveview.signals` and the `liveview.telemetry` logger.

The runtime wraps each stage in a span:

    with telemetry.span(signals.event_handled, type(view), view_id, connected,
                        (view, socket, event, params)):
        await handler(...)

(the tuple: the values of the signal's `fields`, in order).

When the signal has no receiver for the view's class and the logger is not enabled for
DEBUG, `span` returns `OFF`, a shared object whose methods do nothing: no clock is read, no
size measured, nothing built beyond the call's own arguments. Otherwise the span reads the
clock on entry and on exit, then sends the signal (`send_robust`: a failing receiver is
logged and the view goes on) and logs one line. An exception leaving the span is reported
with the duration so far, then propagates unchanged (the usual crash path runs).
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from .signals import TelemetrySignal

logger = logging.getLogger("liveview.telemetry")

#: The clock of every span (module attribute, read at each use: a test can count calls).
clock = time.perf_counter

_DEBUG = logging.DEBUG
# `logger.isEnabledFor(DEBUG)` without a Python call, for `quiet`: logging memoizes the answer
# per level in the logger's `_cache`, which it clears in place whenever a level changes. Only
# a memoized False is trusted (a disabled logger answers False without the memo, so a True
# there may be stale: `span` then asks isEnabledFor); without the memo, `quiet` is never sure.
def _level_memo(log: logging.Logger) -> dict[int, bool]:
    memo = getattr(log, "_cache", None)
    return memo if isinstance(memo, dict) else {}


#: Read as `quiet` reads it by the view channel, which inlines `quiet` (every click).
LEVEL_MEMO = _level_memo(logger)
# The wire's JSON (compact, UTF-8): diff_bytes is what the client is sent, give or take the
# frame's envelope.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class Off:
    """The span of a stage nobody listens to."""

    __slots__ = ()

    def __enter__(self) -> Off:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    def rendered(self) -> None:
        """See `Span.rendered`."""

    def diffed(self, diff: Any, html: str | None = None) -> None:
        """See `Span.diffed`."""


OFF = Off()


class Span:
    """One measured stage: sends its signal and logs its line when it ends."""

    __slots__ = ("signal", "stage", "sender", "meta", "send", "log", "start", "render_end",
                 "diff_end", "diff", "html")

    def __init__(self, signal: TelemetrySignal, sender: type, send: bool, log: bool,
                 meta: dict[str, Any]) -> None:
        self.signal, self.stage, self.sender = signal, signal.stage, sender
        self.send, self.log, self.meta = send, log, meta
        self.start = 0.0
        self.render_end: float | None = None
        self.diff_end: float | None = None
        self.diff: Any = None
        self.html: str | None = None
        uri = meta.get("uri")
        if uri is not None and not isinstance(uri, str):  # a parsed URL: only now its text
            meta["uri"] = uri.geturl()

    def __enter__(self) -> Span:
        self.start = clock()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        duration = clock() - self.start
        if self.stage == "render":
            self._render_figures()
        self.meta["duration"] = duration
        self.meta["exception"] = exc
        if self.send:
            self.signal.send_robust(self.sender, **self.meta)
        if self.log:
            _log(self.stage, self.sender, self.meta)
        # None: an exception goes on to the crash path

    # Render spans only ---------------------------------------------------------------------
    def rendered(self) -> None:
        """The templates are done; the diff starts."""
        self.render_end = clock()

    def diffed(self, diff: Any, html: str | None = None) -> None:
        """The diff is done (`diff`: what goes to the client; `html`: the HTTP render's HTML,
        measured instead). The size is measured when the span ends."""
        self.diff_end = clock()
        self.diff, self.html = diff, html

    def _render_figures(self) -> None:
        meta = self.meta
        render_end, diff_end = self.render_end, self.diff_end
        meta["render_duration"] = render_end - self.start if render_end is not None else None
        meta["diff_duration"] = diff_end - render_end \
            if diff_end is not None and render_end is not None else None
        meta["diff_bytes"] = _size(self.diff, self.html) if diff_end is not None else None
        meta["changed"] = bool(self.diff) if diff_end is not None else None
        self.diff = None  # the span may outlive the render (a receiver keeps it): not the tree


def quiet(signal: TelemetrySignal) -> bool:
    """Whether nobody can hear `signal` now, whatever the view: it has no receiver and the
    logger is known not to be enabled for DEBUG. For the stages every click runs, which skip
    the span altogether then; False is no promise that anyone listens (`span` decides)."""
    return not signal.receivers and LEVEL_MEMO.get(_DEBUG) is False


def span(signal: TelemetrySignal, sender: type, view_id: Any, connected: bool,
         values: tuple[Any, ...]) -> Span | Off:
    """A span of `signal`'s stage for a view (or component) of class `sender`, or `OFF` when
    nobody listens. `values`: those of the signal's `fields`, in order.

    Positional arguments and a tuple, not keywords: on the path where nobody listens, building
    a keyword dict would be most of the cost."""
    if quiet(signal):
        return OFF
    send = bool(signal.receivers) and signal.has_listeners(sender)
    if not send and not logger.isEnabledFor(_DEBUG):
        return OFF
    meta = dict(zip(signal.fields, values))
    meta["view_id"] = view_id
    meta["connected"] = connected
    return Span(signal, sender, send, logger.isEnabledFor(_DEBUG), meta)


def _size(diff: Any, html: str | None) -> int | None:
    try:
        text = html if html is not None else _ENCODER.encode(diff)
    except (TypeError, ValueError):  # not JSON: the send fails and says so, not us
        return None
    # A lone surrogate goes out as a JSON escape (6 bytes); counted as 3 here, near enough.
    return len(text.encode("utf-8", "surrogatepass"))


# The log line -------------------------------------------------------------------------------
def _log(stage: str, sender: type, meta: dict[str, Any]) -> None:
    """`<stage> <class> <view id> [<what>] <ms> ms [figures]`, or `... raised <type> after`."""
    what = _what(stage, meta)
    where = meta.get("view_id") or "-"
    if not meta.get("connected", True):
        where += " (http)"
    cls = f"{sender.__module__}.{sender.__qualname__}"
    exc = meta["exception"]
    ms = meta["duration"] * 1000
    if exc is not None:
        logger.debug("%s %s %s%s raised %s after %.3f ms", stage, cls, where, what,
                     type(exc).__name__, ms)
    elif stage == "render" and meta["diff_duration"] is not None:
        logger.debug("%s %s %s %.3f ms (render %.3f ms, diff %.3f ms, %s bytes)", stage, cls,
                     where, ms, meta["render_duration"] * 1000, meta["diff_duration"] * 1000,
                     meta["diff_bytes"])
    else:
        logger.debug("%s %s %s%s %.3f ms", stage, cls, where, what, ms)


def _what(stage: str, meta: dict[str, Any]) -> str:
    if "event" in meta:
        cid = meta.get("cid")
        return f" {meta['event']!r}" if cid is None else f" cid={cid} {meta['event']!r}"
    if stage == "handle_info":
        return f" {getattr(meta.get('message'), 'name', '?')!r}"
    if stage == "handle_async":
        return f" {meta.get('name')!r}"
    if stage == "handle_params":
        return f" {meta.get('uri')}"
    if stage == "component.update":
        return f" ({meta.get('components')} components)"
    return ""
