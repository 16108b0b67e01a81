"""Instrumentation signals: what a view did, how long it took, how many bytes it sent.

The Django counterpart of Phoenix LiveView's telemetry events. Each signal is sent once, when
its stage ends (successfully or with an exception), by the view's own task on the event loop.
Every signal gets these keyword arguments (see docs/telemetry.md for the rest):

- ``sender``: the LiveView class (the LiveComponent class for the component signals), so
  ``connect(receiver, sender=MyView)`` listens to one view;
- ``view_id``: the id of the view on the page (its DOM id; ``lv:<view_id>`` is its topic);
- ``connected``: True over the websocket (or long polling), False on the HTTP render;
- ``duration``: seconds, from a monotonic clock (``time.perf_counter``);
- ``exception``: None, or the exception the stage raised (the usual crash path runs next;
  ``asyncio.CancelledError`` when the handler was cancelled: past ``HANDLER_TIMEOUT``, or its
  view stopped).

Receivers are plain functions: they run on the event loop, in the middle of the view's work,
so they must be quick and must not block (hand slow work to a queue or a task). An ``async
def`` receiver is refused at ``connect``. A receiver that raises is logged (logger
``django.dispatch``) and the view goes on.

Nothing is measured while a signal has no receiver for the view and the ``liveview.telemetry``
logger is not enabled for DEBUG.
"""
from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction
from django.dispatch import Signal

__all__ = [
    "TelemetrySignal",
    "async_handled",
    "component_event_handled",
    "component_updated",
    "event_handled",
    "info_handled",
    "params_handled",
    "view_mounted",
    "view_rendered",
]


class TelemetrySignal(Signal):
    """A Django signal for the runtime's measurements: sync receivers only.

    `stage` names it in the log lines; `fields` are the keyword arguments of this signal
    beyond those every one gets (``view_id``, ``connected``, ``duration``, ``exception``).

    The runtime sends it from the event loop with `send_robust`, which would have to run an
    async receiver through `async_to_sync`, and that cannot work inside a running loop; so an
    async receiver is refused here, where the mistake is made, rather than failing later on
    every event.
    """

    def __init__(self, stage: str, fields: tuple[str, ...]) -> None:
        # Caching per sender: has_listeners(view class) is a dict lookup after the first call.
        super().__init__(use_caching=True)
        self.stage = stage
        self.fields = fields

    def connect(self, receiver: Any, sender: Any = None, weak: bool = True,
                dispatch_uid: Any = None) -> None:
        if iscoroutinefunction(receiver):
            raise TypeError(
                f"{getattr(receiver, '__qualname__', receiver)!r}: liveview's telemetry signals "
                f"call their receivers on the event loop, in the middle of a view's work: "
                f"connect a plain (def) function, and start a task from it for async work")
        super().connect(receiver, sender=sender, weak=weak, dispatch_uid=dispatch_uid)


#: `on_mount` hooks and `mount` ran. Also: ``view``, ``socket``, ``params`` (the URL's query and
#: path parameters, as `handle_params` gets them), ``session``, ``uri`` (the page's URL).
view_mounted = TelemetrySignal("mount", ("view", "socket", "params", "session", "uri"))

#: `handle_params` ran (with its hooks): at mount, after a live patch or a `push_patch`.
#: Also: ``view``, ``socket``, ``params``, ``uri``.
params_handled = TelemetrySignal("handle_params", ("view", "socket", "params", "uri"))

#: The view's `handle_event` ran (with its hooks). Also: ``view``, ``socket``, ``event`` (the
#: event name), ``params`` (the event's value).
event_handled = TelemetrySignal("handle_event", ("view", "socket", "event", "params"))

#: A live component's `handle_event` ran (``sender``: the component class). Also:
#: ``component`` (the instance), ``socket`` (the component's socket), ``cid``, ``event``,
#: ``params``.
component_event_handled = TelemetrySignal(
    "component.handle_event", ("component", "socket", "cid", "event", "params"))

#: A live component class's `update` (once per changed component) or `update_many` ran for a
#: batch of components of that class (``sender``: the component class). Also: ``components``
#: (how many components the batch updated).
component_updated = TelemetrySignal("component.update", ("components",))

#: The view's `handle_info` ran (with its hooks) for a pub/sub message or timer tick. Also:
#: ``view``, ``socket``, ``message`` (the `InfoEvent`).
info_handled = TelemetrySignal("handle_info", ("view", "socket", "message"))

#: The view's `handle_async` ran (with its hooks) for a `start_async` that ended. Also:
#: ``view``, ``socket``, ``name`` (the operation's name), ``result`` (its `AsyncResult`).
async_handled = TelemetrySignal("handle_async", ("view", "socket", "name", "result"))

#: The view rendered (its template and its components) and the result was diffed against what
#: the client holds. ``duration`` is the whole; also ``view``, ``socket``, ``render_duration``
#: (the templates, components included), ``diff_duration`` (the diff; on the HTTP render,
#: turning the tree into HTML), ``diff_bytes`` (UTF-8 bytes of the JSON diff going to the client,
#: the whole rendered tree at a join; on the HTTP render, of the view's HTML), ``changed``
#: (False when nothing is sent). On an exception the figures not reached are None.
view_rendered = TelemetrySignal("render", ("view", "socket"))
