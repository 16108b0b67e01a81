"""assign_async / start_async: work that runs beside a view and reports into its mailbox.

A view's work runs as asyncio tasks owned by its `AsyncWork` (one per joined view, created by
the runtime and handed to the connected socket, as `Timers` is). A finished task never touches
the view itself: it posts an `AsyncDone` into the view's mailbox, so its result is applied
between two handlers, in order with client events and pub/sub messages, and the view
re-renders after it like after any handler.

- `assign_async(keys, func)`: the keys hold an `AsyncResult` (loading, then ok or failed);
  `func` returns a dict with every key.
- `start_async(name, func)`: the result (ok or failed) goes to `LiveView.handle_async`.
- Starting an operation under a name (or keys) already running cancels the old one; its result,
  if it still arrives, is dropped. When the view ends, every task is cancelled.
- An exception in the work is a `failed` result (logged in one line), never a crash of the view.

Sync functions run in a worker thread (not the one ORM thread that runs sync handlers: a slow
query there would hold up every sync handler of the process); Django gives each thread its
own database connection, closed around the call as in a request.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from channels.db import database_sync_to_async

from . import signals, telemetry
from .callbacks import call_user
from .context import context_get, context_set
from .exceptions import AsyncCancelled
from .lifecycle import run_hooks

logger = logging.getLogger(__name__)

Kind = Literal["assign", "start"]


@dataclass(frozen=True)
class AsyncResult:
    """The state of an async assign, for templates and `handle_async`.

    `{% if user.loading %}...{% elif user.failed %}...{% endif %}` and
    `{% if user.ok %}{{ user.result.name }}{% endif %}`. `ok` stays true once a result
    arrived, even while it reloads (`loading` again, the old `result` still shown) or after a
    later failure (`failed` set, `result` kept), as Phoenix's AsyncResult.
    """

    loading: bool = False
    ok: bool = False
    result: Any = None
    #: The exception the work raised (AsyncCancelled when it was cancelled), else None.
    failed: Any = None

    def as_loading(self) -> AsyncResult:
        """Loading again; a previous result stays until the new one arrives."""
        return replace(self, loading=True, failed=None)

    def as_ok(self, value: Any) -> AsyncResult:
        """Loaded: `result` is `value`."""
        return replace(self, loading=False, ok=True, result=value, failed=None)

    def as_failed(self, error: Any) -> AsyncResult:
        """Failed with `error`; a previous result stays."""
        return replace(self, loading=False, failed=error)


async def run_work(func: Any) -> Any:
    """The value of `func`: an async function, a sync one (in a worker thread) or a coroutine."""
    if inspect.iscoroutine(func):
        return await func
    if inspect.iscoroutinefunction(func):
        result = await func()
    else:
        result = await database_sync_to_async(func, thread_sensitive=False)()
    if inspect.isawaitable(result):  # a lambda returning a coroutine
        result = await result
    return result


def _checked_assigns(keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    """What an assign_async function returned, if it is a dict of exactly its keys."""
    if not isinstance(value, Mapping):
        raise TypeError(f"assign_async({list(keys)!r}, ...): the function must return a dict "
                        f"with every key, got {type(value).__name__}")
    missing = [key for key in keys if key not in value]
    extra = [key for key in value if key not in keys]
    if missing or extra:
        raise ValueError(f"assign_async({list(keys)!r}, ...): the function must return a dict "
                         f"with exactly these keys; missing {missing!r}, unexpected {extra!r}")
    return dict(value)


@dataclass(eq=False)
class _Operation:
    kind: Kind
    key: Hashable  # the name of a start_async, the tuple of keys of an assign_async
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return repr(self.key) if self.kind == "start" else repr(list(self.key))  # type: ignore


class AsyncWork:
    """The running async operations of one view."""

    def __init__(self, post: Callable[[Any], None], owner: str = "view"):
        self._post = post
        self._owner = owner
        self._running: dict[tuple[Kind, Hashable], _Operation] = {}

    def start(self, kind: Kind, key: Hashable, func: Any) -> None:
        """Run `func` as operation `key`, replacing (cancelling) one of the same key."""
        previous = self._running.pop((kind, key), None)
        if previous is not None and previous.task is not None:
            previous.task.cancel()
        op = _Operation(kind, key)
        op.task = asyncio.get_running_loop().create_task(
            self._run(op, func), name=f"{self._owner} async {op.label}")
        self._running[(kind, key)] = op

    async def _run(self, op: _Operation, func: Any) -> None:
        try:
            value = await run_work(func)
            if op.kind == "assign":
                value = _checked_assigns(op.key, value)  # type: ignore[arg-type]
        except Exception as exc:  # CancelledError is not an Exception: a cancel posts nothing
            # One line: the view shows the failure; the traceback only at DEBUG.
            logger.warning("%s: async %s failed: %s: %s", self._owner, op.label,
                           type(exc).__name__, exc, exc_info=logger.isEnabledFor(logging.DEBUG))
            self._post(AsyncDone(self, op, ok=False, value=exc))
        else:
            self._post(AsyncDone(self, op, ok=True, value=value))

    def settle(self, op: _Operation) -> bool:
        """The view takes `op`'s result: False if `op` was replaced or cancelled meanwhile."""
        if self._running.get((op.kind, op.key)) is not op:
            return False
        del self._running[(op.kind, op.key)]
        return True

    def cancel_start(self, name: str, reason: Any = None) -> bool:
        """Cancel `start_async(name)`; its `handle_async` gets a failed (AsyncCancelled) result."""
        op = self._running.pop(("start", name), None)
        if op is None:
            return False
        assert op.task is not None
        op.task.cancel()
        error = AsyncCancelled(reason if reason is not None else "cancelled")
        self._post(AsyncDone(self, op, ok=False, value=error, forced=True))
        return True

    def cancel_assigns(self, keys: Sequence[str]) -> list[str]:
        """Cancel every assign_async touching one of `keys`; the keys of those operations."""
        cancelled: list[str] = []
        for (kind, key), op in list(self._running.items()):
            if kind == "assign" and any(k in key for k in keys):  # type: ignore[operator]
                del self._running[(kind, key)]
                assert op.task is not None
                op.task.cancel()
                cancelled.extend(key)  # type: ignore[arg-type]
        return cancelled

    def cancel_all(self) -> None:
        """Cancel everything (the view is going away); nothing is posted."""
        for op in self._running.values():
            if op.task is not None:
                op.task.cancel()
        self._running.clear()

    def running(self, kind: Kind, key: Hashable) -> bool:
        """Whether operation `key` of `kind` is still running."""
        return (kind, key) in self._running

    def __len__(self) -> int:
        return len(self._running)


@dataclass(eq=False)
class AsyncDone:
    """Posted to the view's mailbox when an operation ends; applied by the view's actor."""

    work: AsyncWork
    op: _Operation
    ok: bool
    value: Any
    #: A cancel_async(name): handle_async hears of it even though the operation is gone.
    forced: bool = False

    @property
    def name(self) -> str:  # how the view's error log names mailbox items
        return f"async {self.op.label}"

    async def apply(self, view: Any, socket: Any) -> bool:
        """Assign the keys, or call `handle_async`; False when the result is stale."""
        if not self.forced and not self.work.settle(self.op):
            return False
        if self.op.kind == "assign":
            for key in self.op.key:  # type: ignore[attr-defined]
                current = context_get(socket.context, key)
                base = current if isinstance(current, AsyncResult) else AsyncResult()
                context_set(socket.context, key, base.as_ok(self.value[key]) if self.ok
                            else base.as_failed(self.value))
            return True
        result = AsyncResult(ok=True, result=self.value) if self.ok \
            else AsyncResult(failed=self.value)
        with telemetry.span(signals.async_handled, type(view),
                            getattr(socket, "view_id", None), True,
                            (view, socket, self.op.key, result)):
            halted = await run_hooks(socket, "handle_async", self.op.key, result, socket)
            if halted is None:
                await call_user(view.handle_async, self.op.key, result, socket)
        return True


def _as_keys(keys: str | Sequence[str], method: str) -> tuple[str, ...]:
    found = (keys,) if isinstance(keys, str) else tuple(keys)
    if not found or not all(isinstance(key, str) and key for key in found):
        raise TypeError(f"{method}: keys must be a non-empty str or a list of them, "
                        f"got {keys!r}")
    return found


class AsyncMixin:
    """assign_async / start_async / cancel_async for both sockets.

    On the HTTP render (no `async_work`) the keys show `loading` and no work starts: it starts
    when the view is mounted again over the websocket (as Phoenix).
    """

    context: Any
    connected: bool
    #: The view's running work; None on the HTTP render.
    async_work: AsyncWork | None = None

    def assign_async(self, keys: str | Sequence[str], func: Any, *, reset: bool = False
                     ) -> None:
        """Set `keys` to loading `AsyncResult`s and fill them with what `func` returns.

        `func` (async def, plain def, or a coroutine) must return a dict with exactly `keys`:
        `socket.assign_async(["user", "orders"], lambda: {"user": u, "orders": o})`.
        A key already holding a result keeps it while loading, unless `reset=True`.
        """
        names = _as_keys(keys, "assign_async")
        for key in names:
            current = context_get(self.context, key)
            if isinstance(current, AsyncResult) and not reset:
                context_set(self.context, key, current.as_loading())
            else:
                context_set(self.context, key, AsyncResult(loading=True))
        work = self._work("assign_async", func)
        if work is not None:
            work.start("assign", names, func)

    def start_async(self, name: str, func: Any) -> None:
        """Run `func` beside the view; `handle_async(name, result, socket)` gets its result
        (an AsyncResult, ok or failed). Starting `name` again cancels the running one."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"start_async: name must be a non-empty str, got {name!r}")
        work = self._work("start_async", func)
        if work is not None:
            work.start("start", name, func)

    def cancel_async(self, name_or_keys: str | Sequence[str], reason: Any = None) -> bool:
        """Cancel a start_async by name (its handle_async gets a failed AsyncCancelled
        result), or the assign_async of these keys (they become failed). False if nothing
        was running."""
        work = self.async_work
        if work is None:
            return False
        if isinstance(name_or_keys, str) and work.cancel_start(name_or_keys, reason):
            return True
        cancelled = work.cancel_assigns(_as_keys(name_or_keys, "cancel_async"))
        error = AsyncCancelled(reason if reason is not None else "cancelled")
        for key in cancelled:
            current = context_get(self.context, key)
            base = current if isinstance(current, AsyncResult) else AsyncResult()
            context_set(self.context, key, base.as_failed(error))
        return bool(cancelled)

    def _work(self, method: str, func: Any) -> AsyncWork | None:
        if not (callable(func) or inspect.iscoroutine(func)):
            raise TypeError(f"{method}: expected a function or a coroutine, got {func!r}")
        if self.async_work is None:
            if inspect.iscoroutine(func):
                func.close()  # never run on the HTTP render: no "never awaited" warning
            if self.connected:
                raise RuntimeError(f"{method}: this socket was built without async_work")
            return None
        return self.async_work
