"""Live components, pure: the `{% live_component %}` tag, the host protocol, assigns
comparison and the component table (`"c"`) of a diff.

    {% live_component "myapp.components.RowEditor" id=row.id row=row %}

The tag's slot in the tree is the component's integer id (cid); the component's own tree
goes in the flat top-level `"c"` table (protocol: a dynamic that is an integer is a cid).
Which cid a component gets, and when its lifecycle runs, is decided by the *host* the
rendering code puts in the template context under `HOST_KEY` (the runtime's component
registry): this package never imports it, it only calls `ComponentHost.component`. The
slot records the occurrence and returns the cid at once; the host renders the components
after the parent's render, as Phoenix does (their mount/update may be async).

The compile function is registered in the `liveview` template library; the node lives here
because the tree compiler has to recognise it.
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from django.template.base import FilterExpression, Node, Parser, Token
from django.template.context import Context
from django.template.exceptions import TemplateSyntaxError
from django.utils.safestring import SafeString

from .diff import diff_tree
from .plan import Slot
from .tracking import native_tracking
from .wire import COMPONENTS, KEYED, KEYED_COUNT, STATIC

TAG = "live_component"
#: Where the host sits in a template context (a name templates cannot spell).
HOST_KEY = "_liveview_components"
#: On a component's full render: "this tree has exactly one root element" (protocol §9.1).
ROOT = "r"
_USAGE = ('{% live_component "myapp.components.RowEditor" id=row.id row=row %} '
          '(or a component class from the context instead of the dotted path)')


class ComponentHost(Protocol):
    """What renders components: given the occurrence, the cid that stands in the tree."""

    def component(self, spec: Any, assigns: dict[str, Any]) -> int: ...


class ComponentNode(Node):
    """`{% live_component spec id=... key=value ... %}`."""

    child_nodelists = ()

    def __init__(self, spec: FilterExpression, assigns: dict[str, FilterExpression]) -> None:
        self.spec = spec
        self.assigns = assigns

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.spec.token}>"

    def render(self, context: Context) -> str:
        # Django itself renders this node only inside a tag the compiler keeps opaque
        # ({% spaceless %}, {% filter %}, a custom block tag), where no cid can be placed.
        raise TemplateSyntaxError(
            f"{{% {TAG} {self.spec.token} %}} was rendered by Django as plain text: it must sit "
            f"in a LiveView or LiveComponent template, outside tags rendered as one piece "
            f"(spaceless, filter, custom block tags); inside if/for/with/include/block is fine")


def live_component(parser: Parser, token: Token) -> ComponentNode:
    """Compile `{% live_component spec id=... key=value ... %}`."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError(f"{{% {TAG} %}} needs a component. Usage: {_USAGE}")
    assigns: dict[str, FilterExpression] = {}
    for bit in bits[2:]:
        name, sep, value = bit.partition("=")
        if not sep or not name.isidentifier():
            raise TemplateSyntaxError(
                f"{{% {TAG} %}}: {bit!r} is not key=value; every argument after the component "
                f"is an assign. Usage: {_USAGE}")
        if name in assigns:
            raise TemplateSyntaxError(f"{{% {TAG} %}}: {name!r} given twice")
        assigns[name] = parser.compile_filter(value)
    if "id" not in assigns:
        raise TemplateSyntaxError(
            f"{{% {TAG} {bits[1]} %}} needs id=...: it tells this component apart from the "
            f"others of its class in the view, from one render to the next. Usage: {_USAGE}")
    return ComponentNode(parser.compile_filter(bits[1]), assigns)


def component_slot(node: ComponentNode) -> Slot:
    """The compiler's slot for a component: its cid, from the host in the context."""
    spec, assigns = node.spec, tuple(node.assigns.items())

    def slot(context: Context) -> int:
        host = context.get(HOST_KEY)
        if host is None:
            raise TemplateSyntaxError(
                f"{{% {TAG} {spec.token} %}} rendered outside a LiveView render: components "
                f"need the view's component registry (render the template from a LiveView)")
        return host.component(spec.resolve(context),
                              {name: value.resolve(context) for name, value in assigns})

    return slot


# Assigns: "did they change?" ---------------------------------------------------------------

#: Stands for assigns that cannot be compared cheaply: never equal to anything.
UNCOMPARABLE: Any = object()
# Immutable values compared by ==. Exact types: a subclass may be mutable or lie in __eq__.
_ATOMS = frozenset({type(None), bool, int, float, str, bytes, SafeString, decimal.Decimal,
                    datetime.date, datetime.datetime, datetime.time, datetime.timedelta,
                    uuid.UUID})
# Atoms whose == holds for values that render differently: compared by their repr.
_REPR_ATOMS = frozenset({float, decimal.Decimal, datetime.datetime, datetime.time})
# "Cheaply": a snapshot walks at most this many values, else the assigns count as changed.
MAX_SNAPSHOT_VALUES = 1000


class _TooCostly(Exception):
    pass


def snapshot(assigns: Mapping[str, Any]) -> Any:
    """A frozen copy of `assigns` to compare with the next render's, or UNCOMPARABLE.

    Immutable scalars, and lists, tuples, dicts, sets and frozen dataclasses of them, are
    copied (so a list mutated in place still counts as changed). Anything else (a model
    instance, a form, a queryset) cannot be compared cheaply and makes the whole snapshot
    UNCOMPARABLE: the component is updated and rendered again, and the diff sends only
    what really changed in its HTML.
    """
    budget = [MAX_SNAPSHOT_VALUES]
    try:
        return tuple((key, _freeze(value, budget)) for key, value in assigns.items())
    except _TooCostly:
        return UNCOMPARABLE


def _freeze(value: Any, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooCostly
    kind = type(value)
    if kind in _ATOMS:
        # Tagged with its type and, where equal values render differently (0.0 and -0.0,
        # Decimal("1.0") and Decimal("1.00"), one instant in two time zones), its repr: an
        # assign going from 1 to True, or 1 to 1.0, is a change the HTML shows.
        return (kind, repr(value) if kind in _REPR_ATOMS else value)
    if kind is list or kind is tuple:
        return (kind, tuple(_freeze(item, budget) for item in value))
    if kind is dict:
        return (dict, tuple((_freeze(k, budget), _freeze(v, budget)) for k, v in value.items()))
    if kind is set or kind is frozenset:
        return (kind, frozenset(_freeze(item, budget) for item in value))
    params = getattr(kind, "__dataclass_params__", None)
    if params is not None and params.frozen:
        return (kind, tuple(_freeze(getattr(value, f.name), budget)
                            for f in dataclasses.fields(value)))
    raise _TooCostly


def same_assigns(old: Any, new: Any) -> bool:
    """Whether two snapshots are known to be equal."""
    return old is not UNCOMPARABLE and new is not UNCOMPARABLE and old == new


def compare_assigns(assigns: dict[str, Any], previous: Any) -> tuple[Any, bool]:
    """(the snapshot of `assigns` to keep, whether they are known unchanged since the one
    taken at the last render, `previous`; None: none was taken).

    Plain data (exact dicts, lists and tuples of None, bool, int, float, complex, str and
    bytes) goes through change tracking's C check when it is built: as strict as `snapshot`
    (type for type, floats bit for bit, dict keys in order), of any size (a component given a
    1000-row table is not updated again while the table stays as it was), and the frozen
    form kept is the previous one while nothing changed. Anything else takes `snapshot`.
    """
    native = native_tracking()
    if native is not None:
        if previous is not None and native.unchanged(assigns, previous):
            return previous, True
        frozen = native.freeze(assigns)
        if frozen is not None:
            return frozen, False  # a change (or the first render)
    taken = snapshot(assigns)
    return taken, previous is not None and same_assigns(previous, taken)


# The component table of a diff ------------------------------------------------------------

def component_table(
    held: Mapping[int, dict[str, Any]],
    rendered: Mapping[int, dict[str, Any]],
    whole: set[int],
    shareable: Mapping[int, dict[str, Any]],
) -> dict[str, Any]:
    """The `"c"` of a diff: what the client needs to hold `rendered` for each cid.

    - `held`: the tree the client holds per cid (the diff base of a re-render);
    - `rendered`: the new trees of this render, in render order;
    - `whole`: cids the client must get whole (new to it, or reset since);
    - `shareable`: trees the client holds that a new component may take its statics from.

    A cid sent whole gets `"r": 1`. A new cid may share statics: when another component of
    the same template is already in this table, it is sent as `"s": <that cid>` plus its
    dynamics that differ from that one's; else, from a shareable cid of the same template,
    `"s": -<cid>` likewise (the client clones that component's tree, then merges this one's
    dynamics onto it). Otherwise the statics go in full, as they always do for a cid in
    `whole` that the client holds (a reset one). A re-render of a cid the client holds is a
    plain diff against that tree (nothing when unchanged; whole if its statics changed).
    """
    table: dict[str, Any] = {}
    sent_by_statics: dict[int, int] = {}  # id(statics) -> a cid of this table
    held_by_statics: dict[int, int] | None = None
    for cid, tree in rendered.items():
        statics = tree[STATIC]
        if cid in whole and cid in held:
            # Reset by the client (marked for removal, then placed again): literal statics,
            # as the protocol asks of a component the client may have half forgotten.
            wire = {**tree, ROOT: 1}
        elif cid not in held:
            source = sent_by_statics.get(id(statics))
            if source is not None and rendered[source][STATIC] is statics:
                wire = _diff_from(rendered[source], tree, source)
            else:
                if held_by_statics is None:
                    held_by_statics = {id(t[STATIC]): c for c, t in shareable.items()}
                source = held_by_statics.get(id(statics))
                if source is not None and shareable[source][STATIC] is statics:
                    wire = _diff_from(shareable[source], tree, -source)
                else:
                    wire = {**tree, ROOT: 1}
        else:
            change = diff_tree(held[cid], tree)
            if change is tree:
                wire = {**tree, ROOT: 1}
            elif change:
                wire = change
            else:
                continue  # not in this table: no source of "+n" (the client would crash)
        table[str(cid)] = wire
        sent_by_statics.setdefault(id(statics), cid)
    return table


def _diff_from(base: dict[str, Any], tree: dict[str, Any], source: int) -> dict[str, Any]:
    # Same statics, so diff_tree compares dynamics only; the client merges onto a clone.
    wire = dict(diff_tree(base, tree))
    wire[STATIC] = source
    wire[ROOT] = 1
    return wire


def iter_cids(node: Any) -> Iterator[int]:
    """The cids a tree (or a component's tree) places directly, not through other cids."""
    if isinstance(node, dict):
        keyed = node.get(KEYED)
        if keyed is not None:
            for key, entry in keyed.items():
                if key != KEYED_COUNT:
                    yield from iter_cids(entry)
            return
        for key, value in node.items():
            if key in (STATIC, ROOT, COMPONENTS):
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                yield value
            elif isinstance(value, dict):
                yield from iter_cids(value)


def reachable_cids(tree: dict[str, Any], components: Mapping[Any, dict[str, Any]]) -> set[int]:
    """Every cid on the page: placed by `tree` or by a component it reaches, recursively."""
    seen: set[int] = set()
    todo = list(iter_cids(tree))
    while todo:
        cid = todo.pop()
        if cid in seen:
            continue
        seen.add(cid)
        child = components.get(cid, components.get(str(cid)))
        if child is not None:
            todo.extend(iter_cids(child))
    return seen
