"""A compiled NodeList: its statics and one evaluator per dynamic slot.

A Plan is built once per NodeList (see `liveview.core.compiler.plan_for`) and then
evaluated on every render. It holds no per-render state, so one Plan can serve
any number of concurrent renders.
"""
from __future__ import annotations

from typing import Any, Callable

from django.template.context import Context

from .wire import STATIC

#: Computes one dynamic from the live Context: a str, or a nested rendered node.
Slot = Callable[[Context], Any]


class Plan:
    """Statics of one NodeList plus the evaluators of the gaps between them."""

    __slots__ = ("statics", "slots")

    def __init__(self, statics: list[str], slots: tuple[tuple[str, Slot], ...]) -> None:
        # Every tree built from this plan shares this list object: the diff can
        # then compare statics by identity first, and it must never be mutated.
        self.statics = statics
        self.slots = slots

    def render(self, context: Context) -> dict[str, Any]:
        """A rendered node: the statics and every dynamic, evaluated in document order."""
        node = {key: slot(context) for key, slot in self.slots}
        node[STATIC] = self.statics
        return node
