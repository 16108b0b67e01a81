"""Change tracking: which context names changed since a view's last render.

A `Tracker` belongs to one connected view. Before each render it compares every name of the
template context with a snapshot taken at the previous render; the names whose value is
*proven* unchanged are "stable", and a dynamic of the template that reads only stable names
keeps the value it had in the previous tree instead of being evaluated again (the compiler
knows which names each dynamic reads, see `liveview.core.compiler`).

The rule (documented for users in docs/templates.md, "Change tracking"):

- a value made only of exact `None`, `bool`, `int`, `float`, `complex`, `str`, `bytes`,
  `tuple`, `list`, `dict`, `set` and `frozenset` is compared by content, through its
  `marshal` serialisation (type-strict: `1`, `1.0` and `True` differ, so do `0.0` and
  `-0.0`), so a list appended to or a nested dict changed in place counts as changed;
  when the optional C extension `liveview.core._tracking` is built, a list, tuple or dict
  without sets (SafeStrings included, as their own type) is compared by the same rule in C
  instead (`_native.freeze` at a render,
  `_native.unchanged` at the next: same exact types and lengths, dict keys in the same
  order, atoms the same objects or of the same exact type and equal, floats bit for bit),
  without serialising anything;
- the same containers holding `SafeString`, `Decimal`, dates, times, timedeltas and UUIDs
  (exact types) are compared by content too, those values by type and `repr`, up to
  `MAX_WALK` values;
- anything else (model instances, querysets, dataclasses, forms, any other object) cannot be
  proven unchanged cheaply and counts as changed at every render;
- a tuple or frozenset holding no list, dict, set or bytearray at any depth cannot change:
  when a name holds the very same one as at the last render, it is unchanged without a
  snapshot (the cheap case for large data that never changes in place);
- a change of the active language or time zone counts as a change of every name.

Only the names the template's dynamics read are snapshotted, when the compiler knows them all
(`Plan.reads`); the others are never asked about. Names the template reads that are not in the
context (context processors, variables set by
tags with `as`, `forloop`) are never stable. Names written into the Context during a render
by a tag (through `context[name] = ...`, `set_upward`, `update`, `push`) stop being stable
from that point of the render (`RecordingContext`).

Pure: no I/O; snapshots are taken of values, never of the user's objects' identity.
"""
from __future__ import annotations

import datetime
import decimal
import marshal
import uuid
from collections.abc import Mapping
from typing import Any

from django.template.context import Context
from django.utils.safestring import SafeString

from .environment import current as current_environment

try:
    # The strict content check of lists, tuples and dicts, in C (setup.py builds it when a
    # compiler is there); without it, the marshal snapshots below do the same, slower.
    from . import _tracking as _native
except ImportError:  # pragma: no cover - a build without a compiler
    _native = None  # type: ignore[assignment]
else:
    # Django's safe text (template literals, escaped output) is an atom of its own type there.
    _native.register_str_type(SafeString)


def native_tracking() -> Any:
    """The C extension `liveview.core._tracking` (its `freeze` and `unchanged`), or None when
    it is not built."""
    return _native


#: Where the tracker sits in the context a view renders with (a name templates cannot spell).
TRACK_KEY = "_liveview_tracker"
#: A snapshot equal to nothing, not even itself: the value counts as changed.
UNTRACKABLE: Any = object()
#: How many values the slow (non-marshal) walk looks at before giving up on a value.
MAX_WALK = 2000
#: The name under which a for body's reads of `forloop.parentloop` reach the outer loop.
PARENTLOOP = "forloop.parentloop"

_MARSHAL_VERSION = 4
# Immutable values marshal cannot write; compared by exact type and repr.
_REPR_ATOMS = frozenset({SafeString, decimal.Decimal, datetime.date, datetime.datetime,
                         datetime.time, datetime.timedelta, uuid.UUID})
# Compared as (type, value): equal pairs render alike (no float here: 0.0 == -0.0).
_SCALARS = frozenset({int, str, bool, type(None)})
# What marshal writes (exactly these types; it also writes buffers, as bytes, but only
# nested ones get there).
_MARSHALLED = frozenset({list, tuple, dict, set, frozenset, float, complex, bytes})
# What the C extension freezes (when built): large values are these; scalars stay as above.
_NATIVE = frozenset({list, tuple, dict})


class _TooCostly(Exception):
    pass


def snapshot(value: Any) -> Any:
    """A frozen, type-strict copy of `value`'s content (bytes), or UNTRACKABLE."""
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)  # never equal to bytes, nor to another type's pair
    if kind not in _MARSHALLED:
        return _walked(value) if kind in _REPR_ATOMS else UNTRACKABLE
    try:
        # C speed, exact types only: a subclass or any other object raises ValueError.
        return marshal.dumps(value, _MARSHAL_VERSION)
    except ValueError:
        pass  # something inside is not marshal's: walk it
    except RecursionError:
        return UNTRACKABLE
    return _walked(value)


def _walked(value: Any) -> Any:
    try:
        return marshal.dumps(_walk(value, [MAX_WALK]), _MARSHAL_VERSION)
    except (_TooCostly, ValueError, RecursionError):
        return UNTRACKABLE


def _walk(value: Any, budget: list[int]) -> Any:
    """`value` with every repr-compared atom replaced by a marshal-able stand-in."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooCostly
    kind = type(value)
    if kind in _REPR_ATOMS:
        # Ellipsis never appears in user data that marshal accepts next to these names.
        # A SafeString's own str() is itself, which marshal rejects: its text as an exact str.
        return (..., kind.__qualname__,
                repr(value) if kind is not SafeString else str.__str__(value))
    if kind is list:
        return [_walk(item, budget) for item in value]
    if kind is tuple:
        return tuple(_walk(item, budget) for item in value)
    if kind is dict:
        return {_walk(k, budget): _walk(v, budget) for k, v in value.items()}
    if kind is set or kind is frozenset:
        # Sets iterate in hash order, which for equal content may differ: sorted stand-ins.
        items = [marshal.dumps(_walk(item, budget), _MARSHAL_VERSION) for item in value]
        return (..., kind.__qualname__, tuple(sorted(items)))
    # Plain atoms go as they are; marshal rejects anything else.
    return value


class Scope:
    """What a tracked render knows at one level of the template: the stable names there.

    `written` is shared by every scope of one render: names tags wrote into the Context.
    """

    __slots__ = ("stable", "written")

    def __init__(self, stable: frozenset[str], written: set[str]) -> None:
        self.stable = stable
        self.written = written

    def reusable(self, reads: frozenset[str] | None) -> bool:
        """Whether a dynamic reading `reads` (None: unknown) is known to be unchanged."""
        if reads is None or not reads <= self.stable:
            return False
        return not self.written or self.written.isdisjoint(reads)

    def inner(self, bound: Mapping[str, frozenset[str] | None], isolated: bool = False) -> Scope:
        """The scope of a body where `bound` names are set from expressions reading those
        names (`with`, `include ... with`); `isolated`: only those names exist there."""
        stable = set() if isolated else set(self.stable - bound.keys())
        stable.update(name for name, reads in bound.items() if self.reusable(reads))
        return Scope(frozenset(stable), self.written)

    def without(self, names: frozenset[str]) -> Scope:
        """The scope of a body where `names` are set by the runtime itself (`block`)."""
        if self.stable.isdisjoint(names):
            return self
        return Scope(self.stable - names, self.written)


class Tracker:
    """Per view: the last render's snapshots and tree, to render the next one tracked."""

    __slots__ = ("_snapshots", "_frozen", "_environment", "tree")

    def __init__(self) -> None:
        self._snapshots: dict[str, Any] = {}
        #: Values of the last render known immutable all the way down, by name: the same
        #: object again has the same content, no snapshot needed (held, so ids stay unique).
        self._frozen: dict[str, Any] = {}
        self._environment: tuple[Any, ...] | None = None
        #: The tree of the last successful tracked render (None: none yet).
        self.tree: dict[str, Any] | None = None

    def begin(self, context: Mapping[str, Any], reads: frozenset[str] | None = None) -> Render:
        """Compare `context` with the last render's: the stable names, and what to commit.

        `reads`: every name the template's dynamics read, when known; the others are not
        snapshotted (no dynamic asks about them: a large value only handlers use costs
        nothing here)."""
        snapshots: dict[str, Any] = {}
        frozen: dict[str, Any] = {}
        old_frozen, old_snapshots = self._frozen, self._snapshots
        native = _native
        for name, value in context.items():
            if reads is not None and name not in reads:
                continue
            if old_frozen and old_frozen.get(name, _MISSING) is value:
                snapshots[name] = old_snapshots[name]
                frozen[name] = value
                continue
            kind = type(value)
            if native is not None and kind in _NATIVE:
                # The last render's Frozen form, kept when `value` still has its content:
                # then it is the very object `stable` compares below (a Frozen equals only
                # itself). unchanged() is False for any other snapshot (bytes, UNTRACKABLE).
                snap = old_snapshots.get(name)
                if snap is None or not native.unchanged(value, snap):
                    snap = native.freeze(value)
                    if snap is None:  # a set, SafeString, any object inside, or too deep
                        snap = snapshot(value)
                snapshots[name] = snap
            else:
                snap = snapshots[name] = snapshot(value)
            if kind in _IMMUTABLE and snap is not UNTRACKABLE and _hashable(value):
                frozen[name] = value
        environment = current_environment()
        stable: frozenset[str] = frozenset()
        previous = None
        if self.tree is not None and environment == self._environment:
            previous = self.tree
            old = self._snapshots
            stable = frozenset(
                name for name, snap in snapshots.items()
                if snap is not UNTRACKABLE and old.get(name, UNTRACKABLE) == snap)
        return Render(self, snapshots, frozen, environment, Scope(stable, set()), previous)

    def forget(self) -> None:
        """Render everything at the next render (e.g. after a failed one)."""
        self.tree = None
        self._snapshots = {}
        self._frozen = {}


_MISSING: Any = object()
# Containers that cannot change once built, when all they hold cannot either.
_IMMUTABLE = frozenset({tuple, frozenset})


def _hashable(value: Any) -> bool:
    """For a value snapshot() accepted: whether it holds no list, dict, set or bytearray
    at any depth (those are unhashable; everything else it accepts is immutable)."""
    try:
        hash(value)
    except (TypeError, ValueError):
        return False
    return True


class Render:
    """One tracked render: its scope, and the snapshots to keep once the tree is built."""

    __slots__ = ("_tracker", "_snapshots", "_frozen", "_environment", "scope", "previous")

    def __init__(self, tracker: Tracker, snapshots: dict[str, Any], frozen: dict[str, Any],
                 environment: tuple[Any, ...], scope: Scope,
                 previous: dict[str, Any] | None) -> None:
        self._tracker = tracker
        self._snapshots = snapshots
        self._frozen = frozen
        self._environment = environment
        self.scope = scope
        #: The tree of the last render, whose values stable dynamics keep (None: render all).
        self.previous = previous

    def commit(self, tree: dict[str, Any]) -> None:
        """The render succeeded: `tree` and its snapshots are the base of the next one."""
        tracker = self._tracker
        tracker.tree = tree
        tracker._snapshots = self._snapshots
        tracker._frozen = self._frozen
        tracker._environment = self._environment


class RecordingContext(Context):
    """A Context that notes the names tags write into it (they stop being stable).

    The compiler's own writes (loop variables, `with` values, `block`) go around it: those
    names are scoped by the compiler itself.
    """

    written: set[str]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.written.add(key)
        super().__setitem__(key, value)

    def set_upward(self, key: Any, value: Any) -> None:
        self.written.add(key)
        super().set_upward(key, value)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.written.add(key)
        return super().setdefault(key, default)

    def update(self, other_dict: Any) -> Any:
        self.written.update(getattr(other_dict, "keys", lambda: ())())
        return super().update(other_dict)

    def push(self, *args: Any, **kwargs: Any) -> Any:
        for arg in args:
            self.written.update(getattr(arg, "keys", lambda: ())())
        self.written.update(kwargs)
        return super().push(*args, **kwargs)


_RECORDING: dict[type, type] = {}


def record_writes(context: Context, written: set[str]) -> None:
    """Make `context` (a Context or a subclass, e.g. RequestContext) note its writes."""
    kind = type(context)
    recording = RecordingContext if kind is Context else _RECORDING.get(kind)
    if recording is None:
        recording = _RECORDING[kind] = type(f"Recording{kind.__name__}",
                                            (RecordingContext, kind), {})
    context.__class__ = recording
    context.written = written  # type: ignore[attr-defined]
