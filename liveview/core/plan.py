"""A compiled NodeList: its statics and one evaluator per dynamic slot.

A Plan is built once per NodeList (see `liveview.core.compiler.plan_for`) and then
evaluated on every render. It holds no per-render state, so one Plan can serve
any number of concurrent renders.

Each slot also knows the context names it reads (None: unknown, e.g. an opaque tag), and
may have a tracked evaluator that reuses parts of the previous tree (`render_tracked`).
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from django.template.context import Context

from .tracking import Scope
from .wire import STATIC

#: Computes one dynamic from the live Context: a str, or a nested rendered node.
Slot = Callable[[Context], Any]
#: Computes one dynamic given its value in the previous tree and what is known unchanged.
TrackedSlot = Callable[[Context, Any, Scope], Any]


class Dynamic(NamedTuple):
    """What the compiler makes of one node: its evaluator, its reads, its tracked evaluator,
    its size: how many dynamics it evaluates (None: loops, templates, unknown tags), and
    whether it may keep state in the render context (cycle, include, blocks, unknown tags)."""

    slot: Slot
    reads: frozenset[str] | None = None
    tracked: TrackedSlot | None = None
    size: int | None = None
    uses_render_context: bool = True


def total(*sizes: int | None) -> int | None:
    """The sum of `sizes` (None if any is None)."""
    if None in sizes:
        return None
    return sum(size for size in sizes if size is not None)


def union(*parts: frozenset[str] | None) -> frozenset[str] | None:
    """The names read by all of `parts` (None if any is unknown)."""
    names: set[str] = set()
    for part in parts:
        if part is None:
            return None
        names |= part
    return frozenset(names)


class Plan:
    """Statics of one NodeList plus the evaluators of the gaps between them."""

    __slots__ = ("statics", "slots", "reads", "size", "uses_render_context", "_steps",
                 "render", "nodes", "spare_contexts")

    #: A rendered node: the statics and every dynamic, evaluated in document order.
    #: `render_slots`, or the function the compiler generated for this plan (the same,
    #: as straight-line code: see `liveview.core.compiler.generate`).
    render: Callable[[Context], dict[str, Any]]

    def __init__(self, statics: list[str], slots: tuple[tuple[str, Slot], ...],
                 dynamics: tuple[Dynamic, ...] | None = None) -> None:
        # Every tree built from this plan shares this list object: the diff can
        # then compare statics by identity first, and it must never be mutated.
        self.statics = statics
        self.slots = slots
        if dynamics is None:
            dynamics = tuple(Dynamic(slot) for _, slot in slots)
        #: Every name any of the plan's dynamics reads (None: unknown).
        self.reads = union(*(dynamic.reads for dynamic in dynamics))
        #: How many dynamics a render evaluates at most (None: loops, templates, opaque tags).
        self.size = total(*(dynamic.size for dynamic in dynamics))
        #: Whether any node may keep state in the render context (it then needs a fresh
        #: layer of it per template render, as Django's Template.render pushes one).
        self.uses_render_context = any(dynamic.uses_render_context for dynamic in dynamics)
        self._steps = tuple((key, dynamic.slot, dynamic.reads, dynamic.tracked)
                            for (key, _), dynamic in zip(slots, dynamics))
        #: The template node of each slot, when the compiler gave them (for `generate`).
        self.nodes: tuple[Any, ...] = ()
        self.render = self.render_slots
        #: Contexts of finished bare renders, each taken by one render at a time
        #: (`liveview.core.render.render_bare`).
        self.spare_contexts: list[Context] = []

    def render_slots(self, context: Context) -> dict[str, Any]:
        """`render`: each slot's evaluator called in turn."""
        # A loop, not a comprehension: in Python 3.11 that is one call frame less per node.
        node = {}
        for key, slot in self.slots:
            node[key] = slot(context)
        node[STATIC] = self.statics
        return node

    def render_tracked(self, context: Context, previous: Any, scope: Scope) -> dict[str, Any]:
        """`render`, keeping from `previous` (this plan's node in the last tree) every
        dynamic that reads only names `scope` knows unchanged."""
        node: dict[str, Any] = {}
        if not isinstance(previous, dict) or previous.get(STATIC) is not self.statics:
            # Nothing to keep; still tracked below, so loops note their rows' contents.
            for key, slot, _reads, tracked in self._steps:
                node[key] = slot(context) if tracked is None else tracked(context, None, scope)
            node[STATIC] = self.statics
            return node
        for key, slot, reads, tracked in self._steps:
            if reads is not None and scope.reusable(reads):
                node[key] = previous[key]
            elif tracked is not None:
                node[key] = tracked(context, previous[key], scope)
            else:
                node[key] = slot(context)
        node[STATIC] = self.statics
        return node
