"""JS commands: client-side operations the phoenix_live_view client runs without the server.

A `JS` value is a list of operations, rendered as the JSON the client executes
(`[[op, args], ...]`, protocol §9.4). Put one in any `phx-*` binding attribute:

    open_modal = JS.show(to="#modal", transition="fade-in").focus_first(to="#modal")
    <button phx-click="{{ open_modal }}">Open</button>

Every method works on the class (a new command) and on a value (appends one more
operation); a JS value is never changed in place, so a module-level constant can be
extended freely. Op names and argument keys are the ones Phoenix.LiveView.JS emits, and
keys are sorted as Phoenix's JSON encoder sorts them, so the JSON is byte for byte the same.
`str(js)` is the JSON; Django's autoescape turns it into a valid attribute value.
See docs/js-commands.md.
"""
from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Concatenate, Generic, ParamSpec, Union

from django.utils.html import escape
from django.utils.safestring import SafeString

P = ParamSpec("P")

#: `to=`: a CSS selector (document-wide), or a scope: ("closest", sel), ("inner", sel),
#: ("document", sel), {"closest": sel} or {"inner": sel}.
Target = Union[str, tuple[str, str], Mapping[str, str]]
#: A transition: "classes while it runs", or ("running classes", "start classes", "end classes").
Transition = Union[str, tuple[str, str, str], Sequence[str]]

_SCOPES = ("closest", "inner", "document")


class _Command(Generic[P]):
    """A method usable on the class (starts a new JS) and on a JS (appends to it).

    It also turns a wrong call into a TypeError that lists the accepted arguments,
    since the same methods are called from templates, where Python's message is terse."""

    def __init__(self, func: Callable[Concatenate[JS, P], JS]) -> None:
        self.func = func
        self.signature = inspect.signature(func)
        functools.update_wrapper(self, func)  # type: ignore[arg-type]

    def __get__(self, obj: JS | None, owner: type[JS]) -> Callable[P, JS]:
        target = obj if obj is not None else owner()
        func, signature = self.func, self.signature

        @functools.wraps(func)
        def call(*args: P.args, **kwargs: P.kwargs) -> JS:
            try:
                signature.bind(target, *args, **kwargs)
            except TypeError as exc:
                raise TypeError(
                    f"JS.{func.__name__}{_public_signature(signature)}: {exc} "
                    f"(received {_describe_call(args, kwargs)})") from None
            return func(target, *args, **kwargs)

        return call


def _public_signature(signature: inspect.Signature) -> str:
    """`(event, *, value=None, ...)`: the accepted arguments, without self and annotations."""
    params = [p.replace(annotation=inspect.Parameter.empty)
              for p in list(signature.parameters.values())[1:]]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _describe_call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")" if parts else "no arguments"


def _fail(op: str, what: str, expected: str, got: Any) -> TypeError:
    # "str" for template strings too (SafeString): the type the user wrote.
    kind = "str" if isinstance(got, str) else type(got).__name__
    return TypeError(f"JS.{op}: {what} must be {expected}, got {got!r} ({kind})")


def _check_str(op: str, what: str, value: Any, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value):
        raise _fail(op, what, "a str" if empty else "a non-empty str", value)
    return value


def _check_bool(op: str, what: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(op, what, "True or False", value)
    return value


def _to(op: str, to: Any) -> Any:
    """The wire form of `to=`: the selector, or {"closest": sel} / {"inner": sel}."""
    if to is None or (isinstance(to, str) and to):
        return to
    scope = selector = None
    if isinstance(to, tuple) and len(to) == 2:
        scope, selector = to
    elif isinstance(to, Mapping) and len(to) == 1:
        [(scope, selector)] = to.items()
    if scope in _SCOPES and isinstance(selector, str) and selector:
        return selector if scope == "document" else {scope: selector}
    raise _fail(op, "to", 'a CSS selector, ("closest", sel), ("inner", sel), '
                          '("document", sel) or {"closest"|"inner": sel}', to)


def _class_names(op: str, what: str, names: Any) -> list[str]:
    return _check_str(op, what, names, empty=True).split()


def _transition(op: str, what: str, value: Any) -> list[list[str]] | None:
    """Phoenix's three class lists: running, start and end (a plain str is running only)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value.split(), [], []]
    if isinstance(value, (tuple, list)) and len(value) == 3 and \
            all(isinstance(v, str) for v in value):
        return [v.split() for v in value]
    raise _fail(op, what, 'a str of classes or a 3-tuple of str '
                          '("ease-out duration-300", "opacity-0", "opacity-100")', value)


def _time(op: str, time: Any) -> int | None:
    if time is None:
        return None
    if isinstance(time, bool) or not isinstance(time, int) or time < 0:
        raise _fail(op, "time", "an int of milliseconds >= 0", time)
    return time


def _json_value(op: str, what: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(op, what, "a dict", value)
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"JS.{op}: {what} must be JSON-serialisable: {exc}") from None
    return dict(value)


class JS:
    """A chain of client-side commands; `str(js)` is the JSON the client runs."""

    __slots__ = ("_ops",)

    def __init__(self, ops: Sequence[Sequence[Any]] = ()) -> None:
        # Tuples all the way down to the op level: a JS is a value, never mutated.
        self._ops: tuple[tuple[str, dict[str, Any]], ...] = tuple(
            (str(kind), dict(args)) for kind, args in ops)

    # The value ---------------------------------------------------------------------------------

    @property
    def ops(self) -> list[list[Any]]:
        """The operations as the client receives them: `[[op, args], ...]` (a copy)."""
        return [[kind, json.loads(json.dumps(args))] for kind, args in self._ops]

    def __str__(self) -> str:
        return json.dumps([[kind, args] for kind, args in self._ops], sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)

    def __html__(self) -> SafeString:
        # For format_html() and friends: the JSON, HTML-escaped for an attribute value.
        return SafeString(escape(str(self)))

    def __repr__(self) -> str:
        return f"JS({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JS) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __bool__(self) -> bool:
        return bool(self._ops)

    def __add__(self, other: JS) -> JS:
        if not isinstance(other, JS):
            return NotImplemented
        return JS(self._ops + other._ops)

    def concat(self, other: JS) -> JS:
        """This chain followed by `other` (also `self + other`)."""
        if not isinstance(other, JS):
            raise _fail("concat", "other", "a JS", other)
        return self + other

    def _put(self, kind: str, **args: Any) -> JS:
        # Phoenix drops nil options, so the client applies its own defaults.
        return JS(self._ops + ((kind, {k: v for k, v in args.items() if v is not None}),))

    # Server events and navigation -------------------------------------------------------------

    @_Command
    def push(self, event: str, *, value: Mapping[str, Any] | None = None,
             target: str | int | None = None, loading: str | None = None,
             page_loading: bool | None = None) -> JS:
        """Send `event` to the server (`handle_event`), `value` merged over `phx-value-*`.

        `target`: a selector or component id to send it to; `loading`: elements that get the
        loading classes until the reply; `page_loading`: fire phx:page-loading-start/stop."""
        _check_str("push", "event", event)
        if value is not None:
            value = _json_value("push", "value", value)
        if target is not None and (isinstance(target, bool) or
                                   not isinstance(target, (str, int)) or target == ""):
            raise _fail("push", "target", "a CSS selector or a component id (int)", target)
        if page_loading is not None:
            _check_bool("push", "page_loading", page_loading)
        return self._put("push", event=event, value=value, target=target,
                         loading=None if loading is None else _check_str("push", "loading",
                                                                         loading),
                         page_loading=page_loading)

    @_Command
    def navigate(self, href: str, *, replace: bool = False) -> JS:
        """Live-navigate to `href` (another LiveView, no page load); history push or replace."""
        _check_str("navigate", "href", href)
        return self._put("navigate", href=href, replace=_check_bool("navigate", "replace",
                                                                    replace))

    @_Command
    def patch(self, href: str, *, replace: bool = False) -> JS:
        """Patch the current LiveView to `href` (`handle_params` runs); history push or replace."""
        _check_str("patch", "href", href)
        return self._put("patch", href=href, replace=_check_bool("patch", "replace", replace))

    # Visibility and classes -------------------------------------------------------------------

    @_Command
    def show(self, *, to: Target | None = None, transition: Transition | None = None,
             display: str | None = None, time: int | None = None,
             blocking: bool | None = None) -> JS:
        """Show the elements (`display`, default "block"), with an optional transition."""
        return self._put("show", to=_to("show", to),
                         transition=_transition("show", "transition", transition),
                         display=None if display is None else _check_str("show", "display",
                                                                         display),
                         time=_time("show", time), blocking=_opt_bool("show", blocking))

    @_Command
    def hide(self, *, to: Target | None = None, transition: Transition | None = None,
             time: int | None = None, blocking: bool | None = None) -> JS:
        """Hide the elements (display: none once the transition is over)."""
        return self._put("hide", to=_to("hide", to),
                         transition=_transition("hide", "transition", transition),
                         time=_time("hide", time), blocking=_opt_bool("hide", blocking))

    @_Command
    def toggle(self, *, to: Target | None = None, in_: Transition | None = None,
               out: Transition | None = None, display: str | None = None,
               time: int | None = None, blocking: bool | None = None) -> JS:
        """Show the hidden elements and hide the visible ones (`in_`/`out`: transitions)."""
        return self._put("toggle", to=_to("toggle", to),
                         ins=_transition("toggle", "in_", in_),
                         outs=_transition("toggle", "out", out),
                         display=None if display is None else _check_str("toggle", "display",
                                                                         display),
                         time=_time("toggle", time), blocking=_opt_bool("toggle", blocking))

    @_Command
    def add_class(self, names: str, *, to: Target | None = None,
                  transition: Transition | None = None, time: int | None = None,
                  blocking: bool | None = None) -> JS:
        """Add the space-separated class `names`; they stay across server patches."""
        return self._class_op("add_class", names, to, transition, time, blocking)

    @_Command
    def remove_class(self, names: str, *, to: Target | None = None,
                     transition: Transition | None = None, time: int | None = None,
                     blocking: bool | None = None) -> JS:
        """Remove the space-separated class `names`."""
        return self._class_op("remove_class", names, to, transition, time, blocking)

    @_Command
    def toggle_class(self, names: str, *, to: Target | None = None,
                     transition: Transition | None = None, time: int | None = None,
                     blocking: bool | None = None) -> JS:
        """Add each of `names` that is missing, remove each that is present."""
        return self._class_op("toggle_class", names, to, transition, time, blocking)

    def _class_op(self, op: str, names: Any, to: Any, transition: Any, time: Any,
                  blocking: Any) -> JS:
        return self._put(op, to=_to(op, to), names=_class_names(op, "names", names),
                         transition=_transition(op, "transition", transition),
                         time=_time(op, time), blocking=_opt_bool(op, blocking))

    @_Command
    def transition(self, transition: Transition, *, to: Target | None = None,
                   time: int | None = None, blocking: bool | None = None) -> JS:
        """Apply transition classes for `time` ms, then remove them (a shake, a flash)."""
        if transition is None:
            raise _fail("transition", "transition", "a str of classes or a 3-tuple of str",
                        transition)
        return self._put("transition", to=_to("transition", to),
                         transition=_transition("transition", "transition", transition),
                         time=_time("transition", time),
                         blocking=_opt_bool("transition", blocking))

    # Attributes -------------------------------------------------------------------------------

    @_Command
    def set_attribute(self, name: str, value: str | None = None, *,
                      to: Target | None = None) -> JS:
        """Set attribute `name` to `value` (kept across server patches)."""
        # `value` has a default only so that Phoenix's tuple form gets the message of
        # _attr_name rather than Python's "missing argument".
        _attr_name("set_attribute", name)
        _check_str("set_attribute", "value", value, empty=True)
        return self._put("set_attr", to=_to("set_attribute", to), attr=[name, value])

    @_Command
    def remove_attribute(self, name: str, *, to: Target | None = None) -> JS:
        """Remove attribute `name` (kept removed across server patches)."""
        _attr_name("remove_attribute", name)
        return self._put("remove_attr", to=_to("remove_attribute", to), attr=name)

    @_Command
    def toggle_attribute(self, name: str, value: str | None = None,
                         alt_value: str | None = None, *, to: Target | None = None) -> JS:
        """Without `alt_value`: set `name` to `value` when absent, remove it when present.
        With it: switch the attribute between `value` and `alt_value`."""
        _attr_name("toggle_attribute", name)
        _check_str("toggle_attribute", "value", value, empty=True)
        attr = [name, value]
        if alt_value is not None:
            attr.append(_check_str("toggle_attribute", "alt_value", alt_value, empty=True))
        return self._put("toggle_attr", to=_to("toggle_attribute", to), attr=attr)

    @_Command
    def ignore_attributes(self, attrs: str | Sequence[str], *,
                          to: Target | None = None) -> JS:
        """Keep the client's value of these attributes when the server patches the element
        (names, or prefixes ending in `*`, e.g. "data-state" or "data-*")."""
        names = [attrs] if isinstance(attrs, str) else attrs
        if not isinstance(names, (list, tuple)) or not names or \
                not all(isinstance(n, str) and n for n in names):
            raise _fail("ignore_attributes", "attrs", "an attribute name or a list of them",
                        attrs)
        return self._put("ignore_attrs", to=_to("ignore_attributes", to), attrs=list(names))

    # DOM events and other commands ------------------------------------------------------------

    @_Command
    def dispatch(self, event: str, *, to: Target | None = None,
                 detail: Mapping[str, Any] | None = None, bubbles: bool | None = None,
                 blocking: bool = False) -> JS:
        """Dispatch a DOM event (a CustomEvent; "click" is a real MouseEvent) to the elements.

        `blocking=True` holds the UI until a listener calls `event.detail.done()`."""
        _check_str("dispatch", "event", event)
        if detail is not None:
            if event == "click":
                raise TypeError(
                    "JS.dispatch: a 'click' is a MouseEvent, whose detail the browser "
                    "replaces with a click count, so detail= cannot go with it; dispatch an "
                    "event of your own (e.g. 'myapp:click') and click from its listener")
            detail = _json_value("dispatch", "detail", detail)
            if blocking and "done" in detail:
                raise TypeError("JS.dispatch: with blocking=True the client puts its own "
                                "`done` callback in detail; use another key than 'done'")
        return self._put("dispatch", event=event, to=_to("dispatch", to), detail=detail,
                         bubbles=_opt_bool("dispatch", bubbles),
                         # Phoenix only sends blocking when it is on.
                         blocking=True if _check_bool("dispatch", "blocking", blocking)
                         else None)

    @_Command
    def exec(self, attr: str, *, to: Target | None = None) -> JS:
        """Run the JS commands held in attribute `attr` of the elements (e.g. "phx-remove",
        "data-confirm"), as if they were written here."""
        _attr_name("exec", attr)
        return self._put("exec", attr=attr, to=_to("exec", to))

    @_Command
    def focus(self, *, to: Target | None = None) -> JS:
        """Focus the element."""
        return self._put("focus", to=_to("focus", to))

    @_Command
    def focus_first(self, *, to: Target | None = None) -> JS:
        """Focus the first focusable element inside the element (a dialog's first field)."""
        return self._put("focus_first", to=_to("focus_first", to))

    @_Command
    def push_focus(self, *, to: Target | None = None) -> JS:
        """Remember the element (default: the one interacted with) for a later pop_focus."""
        return self._put("push_focus", to=_to("push_focus", to))

    @_Command
    def pop_focus(self) -> JS:
        """Focus the element the last push_focus remembered (closing a dialog)."""
        return self._put("pop_focus")


def _opt_bool(op: str, value: Any) -> bool | None:
    return None if value is None else _check_bool(op, "blocking", value)


def _attr_name(op: str, name: Any) -> str:
    if isinstance(name, tuple):
        raise TypeError(f"JS.{op}: give the attribute name and value as separate arguments, "
                        f"e.g. JS.{op}({', '.join(repr(n) for n in name)}), got the tuple "
                        f"{name!r}")
    name = _check_str(op, "the attribute name", name)
    if any(c.isspace() for c in name) or any(c in name for c in "\"'>/="):
        raise TypeError(f"JS.{op}: {name!r} is not an attribute name")
    return name


#: The command names, for the {% js %} tag's error messages.
COMMANDS: tuple[str, ...] = tuple(
    name for name, member in vars(JS).items() if isinstance(member, _Command))


def command(name: str, base: JS | None = None) -> Callable[..., JS]:
    """The method `name` of `base` (or of a new JS), with a clear error for an unknown name."""
    if name not in COMMANDS:
        raise TypeError(f"unknown JS command {name!r}; the commands are: {', '.join(COMMANDS)}")
    return getattr(base if base is not None else JS(), name)
