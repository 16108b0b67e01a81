"""Lifecycle hooks: `on_mount` before every mount, `attach_hook` around a view's handlers.

Both let reusable code (an auth check, analytics, a feature of another app) add behaviour to
views it does not own, as Phoenix's on_mount and attach_hook do.

A hook returns None to let things go on, or `HALT` to stop them (`Halt(reply)` for a
`handle_event` hook answering a hook's pushEvent). Anything else is a mistake and raises.

- `on_mount` hooks run before `mount`, on the HTTP render and at every websocket join, with
  `(params, session, socket)`. They come from `LIVEVIEW["ON_MOUNT"]` for the view's live
  session first, then from the `on_mount` lists of the view's classes, base classes first
  (a hook listed twice runs once). A hook that halts must navigate first
  (`await socket.redirect(url)` or `push_navigate`): the HTTP render answers with a redirect,
  a join with `{"redirect": ...}` / `{"live_redirect": ...}`, which the client follows.
- `socket.attach_hook(name, stage, func)` runs `func` before the view's own handler for that
  stage, in the order the hooks were attached; the first one to halt stops the others and the
  view's handler. `after_render` hooks run after each render and cannot halt.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from django.utils.module_loading import import_string

from .callbacks import call_user
from .conf import liveview_settings

#: Stages `attach_hook` accepts, and the arguments their hooks receive.
STAGES: dict[str, str] = {
    "handle_params": "(url, params, socket)",
    "handle_event": "(event, payload, socket)",
    "handle_info": "(event, socket)",
    "handle_async": "(name, result, socket)",
    "after_render": "(socket)",
}


class Halt:
    """What a hook returns to stop the stage; `reply` answers a hook's pushEvent."""

    __slots__ = ("reply",)

    def __init__(self, reply: Any = None) -> None:
        self.reply = reply

    def __repr__(self) -> str:
        return "HALT" if self.reply is None else f"Halt({self.reply!r})"


#: Return this from a hook to stop the stage (the view's own handler does not run).
HALT = Halt()

Hook = Callable[..., Any]


class Lifecycle:
    """The hooks attached to one socket, by stage, in attach order."""

    def __init__(self) -> None:
        #: stage -> {name: hook}, in attach order. Read-only outside: the runtime looks here
        #: itself, without a call to `hooked`, at every click.
        self.by_stage: dict[str, dict[str, Hook]] = {}

    def attach(self, name: str, stage: str, func: Hook) -> None:
        if stage not in STAGES:
            raise ValueError(f"attach_hook: unknown stage {stage!r}; stages: "
                             f"{', '.join(STAGES)}")
        if not callable(func):
            raise TypeError(f"attach_hook({name!r}, {stage!r}, ...): func must be callable, "
                            f"got {func!r}")
        hooks = self.by_stage.setdefault(stage, {})
        if name in hooks:
            raise ValueError(f"attach_hook: a hook named {name!r} is already attached to "
                             f"{stage!r}; detach it first")
        hooks[name] = func

    def detach(self, name: str, stage: str) -> bool:
        if stage not in STAGES:
            raise ValueError(f"detach_hook: unknown stage {stage!r}; stages: "
                             f"{', '.join(STAGES)}")
        return self.by_stage.get(stage, {}).pop(name, None) is not None

    def hooks(self, stage: str) -> list[Hook]:
        # A copy: a hook may attach or detach hooks while the stage runs.
        hooks = self.by_stage.get(stage)
        return list(hooks.values()) if hooks else []


class LifecycleMixin:
    """attach_hook / detach_hook for both sockets (the HTTP render runs handle_params and
    after_render hooks too)."""

    lifecycle: Lifecycle

    def attach_hook(self, name: str, stage: str, func: Hook) -> None:
        """Run `func` before the view's handler of `stage` (after_render: after each render).

        `func` gets the stage's arguments (see STAGES) and returns None to go on or `HALT`.
        """
        self.lifecycle.attach(name, stage, func)

    def detach_hook(self, name: str, stage: str) -> bool:
        """Remove hook `name` from `stage`; False if it was not attached."""
        return self.lifecycle.detach(name, stage)


def _checked(result: Any, what: str) -> Halt | None:
    if result is None or isinstance(result, Halt):
        return result
    raise TypeError(f"{what} must return None (go on) or liveview.HALT (stop), got {result!r}")


async def run_hooks(socket: Any, stage: str, *args: Any) -> Halt | None:
    """Run `socket`'s hooks for `stage` in order; the Halt of the first that halts, or None."""
    lifecycle: Lifecycle | None = getattr(socket, "lifecycle", None)
    if lifecycle is None:
        return None
    for hook in lifecycle.hooks(stage):
        halted = _checked(await call_user(hook, *args), f"{stage} hook {_name(hook)}")
        if halted is not None:
            if stage == "after_render":
                raise TypeError(f"after_render hook {_name(hook)} cannot halt")
            return halted
    return None


# on_mount -------------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _import(path: str) -> Hook:
    return import_string(path)


def _resolve(hook: Hook | str) -> Hook:
    func = _import(hook) if isinstance(hook, str) else hook
    if not callable(func):
        raise TypeError(f"on_mount hook {hook!r} is not callable")
    return func


def on_mount_hooks(view_class: type) -> list[Hook]:
    """The on_mount hooks of `view_class`, in the order they run."""
    by_session = liveview_settings.ON_MOUNT
    declared: list[Hook | str] = list(by_session.get(getattr(view_class, "live_session", ""), ()))
    for klass in reversed(view_class.__mro__):
        declared.extend(vars(klass).get("on_mount", ()))
    hooks: list[Hook] = []
    for hook in declared:
        func = _resolve(hook)
        if func not in hooks:  # `on_mount = [*Base.on_mount, mine]` runs Base's once
            hooks.append(func)
    return hooks


async def run_on_mount(view: Any, params: dict[str, list[Any]], session: Any, socket: Any
                       ) -> Halt | None:
    """Run the view's on_mount hooks before its mount; the Halt of the first that halts."""
    for hook in on_mount_hooks(type(view)):
        halted = _checked(await call_user(hook, params, session, socket),
                          f"on_mount hook {_name(hook)}")
        if halted is not None:
            navigation = getattr(socket, "navigation", None)
            if navigation is None or navigation.kind == "patch":
                raise RuntimeError(
                    f"on_mount hook {_name(hook)} halted {type(view).__name__} without "
                    f"navigating: call `await socket.redirect(url)` (or push_navigate) "
                    f"before returning HALT")
            return halted
    return None


def _name(hook: Hook) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)


def check_on_mount_setting(value: Any) -> list[str]:
    """Problems with LIVEVIEW["ON_MOUNT"] (for the system check)."""
    if not isinstance(value, dict):
        return [f'LIVEVIEW["ON_MOUNT"] must be a dict of live session name -> list of hooks, '
                f"got {type(value).__name__}"]
    problems = []
    for session, hooks in value.items():
        if isinstance(hooks, (str, bytes)) or not isinstance(hooks, Sequence):
            problems.append(f'LIVEVIEW["ON_MOUNT"][{session!r}] must be a list of hooks')
            continue
        for hook in hooks:
            try:
                _resolve(hook)
            except (ImportError, TypeError) as exc:
                problems.append(f'LIVEVIEW["ON_MOUNT"][{session!r}]: {hook!r}: {exc}')
    return problems
