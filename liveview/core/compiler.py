# This module repeats Django's own render() of each node, reading the nodes' attributes as
# Django does; django-stubs types several of them loosely (str | NodeList, Template | None).
# mypy: disable-error-code="attr-defined,union-attr,arg-type,index"
"""Compile Django template nodes into Plans, mirroring each tag's own render().

Structural tags (variables, if, for, with, include, extends, block, autoescape)
are evaluated here so their text stays in statics; each evaluator repeats the
matching Django `render()` step by step, on the one real Context, so that state
kept by other tags (cycle, ifchanged, `as` variables, block.super) behaves
exactly as in Django. Every other node is rendered by Django itself into one
opaque string. A `{% live_key %}` first in a for body is taken out of the body's
plan and evaluated per entry, giving the comprehension its keys (see `keyed`).

For change tracking (`liveview.core.tracking`) each slot also says which context names it
reads, found here from the nodes' filter expressions (None for opaque tags and anything
else that cannot be known), and structural tags get a tracked evaluator that reuses the
unchanged parts of the previous tree. Names a tag binds for its body (`with`, loop
variables, `block`) are the tag's own business: they are written around the recording
Context (`_bind`), and the body's scope says which of them are stable.
"""
from __future__ import annotations

import operator
from functools import partial
from typing import Any, Callable

from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import (
    FilterExpression,
    Node,
    NodeList,
    Template,
    TextNode,
    Variable,
    VariableDoesNotExist,
    VariableNode,
    render_value_in_context,
)
from django.template.context import BaseContext, Context, ContextDict, RenderContext
from django.template.defaulttags import (
    AutoEscapeControlNode,
    CommentNode,
    ForNode,
    IfNode,
    LoadNode,
    TemplateLiteral,
    WithNode,
)
from django.template.smartif import OPERATORS
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
    IncludeNode,
    construct_relative_path,
)

from django.utils.html import escape

from .components import ComponentNode, component_slot
from .keyed import KeyedEntries, LiveKeyNode, misplaced, split_loop_key, unique_keys
from .plan import Dynamic, Plan, Slot, total, union
from .portal import PortalNode
from .streams import Stream
from .tracking import PARENTLOOP, UNTRACKABLE, RecordingContext, Scope, snapshot
from .wire import KEYED, KEYED_COUNT, STATIC, STREAM

# The compiled Plan is stored on the NodeList itself: it lives exactly as long
# as the template (Django's cached loader keeps templates for the process).
PLAN_ATTR = "_liveview_plan"

# Nodes whose render() is always "" and touches no state: they vanish.
_SILENT = (CommentNode, LoadNode)


def plan_for(nodelist: NodeList) -> Plan:
    """The Plan of `nodelist`, compiled on first use and cached on the NodeList."""
    plan = getattr(nodelist, PLAN_ATTR, None)
    if plan is None:
        # Two threads may race here; both build equivalent immutable plans and
        # the attribute assignment is atomic, so no lock is needed.
        plan = _compile(nodelist)
        setattr(nodelist, PLAN_ATTR, plan)
    return plan


def render_template_tree(template: Template, context: Context, previous: Any = None,
                         scope: Scope | None = None) -> dict[str, Any]:
    """The tree of `template`: what `Template.render(context)` does, building a tree.

    With a `scope`, a tracked render: dynamics reading only names the scope knows unchanged
    keep their value from `previous` (this template's tree in the last render)."""
    return render_plan(template, plan_for(template.nodelist), context, previous, scope)


def render_plan(template: Template, plan: Plan, context: Context, previous: Any = None,
                scope: Scope | None = None) -> dict[str, Any]:
    """`render_template_tree`, given the template's plan (`plan_for(template.nodelist)`)."""
    render_context = context.render_context
    if type(context) not in _PLAIN_CONTEXTS or type(render_context) is not RenderContext:
        # A RequestContext's bind_template runs the context processors.
        with render_context.push_state(template):
            if context.template is None:
                with context.bind_template(template):
                    context.template_name = template.name
                    return _run(plan, context, previous, scope)
            return _run(plan, context, previous, scope)
    # What `push_state` and `bind_template` do, without two generator-based context
    # managers per render (every click renders). The render context's fresh layer only
    # matters to nodes keeping state there (cycle, include's cache, blocks, opaque tags):
    # a plan without any never looks at it.
    initial = render_context.template
    render_context.template = template
    isolated = plan.uses_render_context
    if isolated:
        render_context.push()
    bound = context.template is None
    if bound:
        context.template = template
        context.template_name = template.name
    try:
        if scope is None:
            return plan.render(context)
        return plan.render_tracked(context, previous, scope)
    finally:
        if bound:
            context.template = None
        render_context.template = initial
        if isolated:
            render_context.pop()


#: Contexts whose `bind_template` is Context's own (a tracked render's Context records its
#: writes, and binds as Context does); a RequestContext's runs the context processors.
_PLAIN_CONTEXTS = frozenset({Context, RecordingContext})


def _run(plan: Plan, context: Context, previous: Any, scope: Scope | None) -> dict[str, Any]:
    if scope is None:
        return plan.render(context)
    return plan.render_tracked(context, previous, scope)


# Reads: which context names an expression or a body looks up -----------------------------

#: Built-in filters whose output is not a function of their input: never kept from the last
#: render. A custom filter is added by setting `liveview_volatile = True` on its function.
VOLATILE_FILTERS = frozenset({"random", "timesince", "timeuntil", "naturaltime", "naturalday"})


def _variable_reads(var: Any) -> frozenset[str]:
    if not isinstance(var, Variable) or var.lookups is None:
        return frozenset()  # a literal
    lookups = var.lookups
    if lookups[0] == "forloop":
        # forloop.parentloop.parentloop... is the forloop of an enclosing loop.
        depth = 0
        while depth + 1 < len(lookups) and lookups[depth + 1] == "parentloop":
            depth += 1
        return frozenset(("forloop" + ".parentloop" * depth,))
    return frozenset((lookups[0],))


def _expression_reads(expression: Any) -> frozenset[str] | None:
    """The names a FilterExpression reads: its variable and its filters' variable arguments
    (filters themselves never see the context)."""
    if not isinstance(expression, FilterExpression):
        return None
    names = set(_variable_reads(expression.var))
    for func, args in expression.filters:
        if getattr(func, "_filter_name", None) in VOLATILE_FILTERS or getattr(
                func, "liveview_volatile", False):
            return None  # its output changes with the clock or at random
        for lookup, arg in args:
            if lookup:
                names |= _variable_reads(arg)
    return frozenset(names)


def _condition_reads(condition: Any) -> frozenset[str] | None:
    """The names an `{% if %}` condition (a smartif tree) reads."""
    if condition is None:
        return frozenset()
    if type(condition) is TemplateLiteral:
        return _expression_reads(condition.value)
    first, second = getattr(condition, "first", None), getattr(condition, "second", None)
    if first is None:
        return None  # not an operator we know
    return union(_condition_reads(first), _condition_reads(second))


def _body_reads(reads: frozenset[str] | None, bound: Any) -> frozenset[str] | None:
    """What a body reads from outside, given the names its tag binds for it."""
    if reads is None:
        return None
    return reads - frozenset(bound)


def _bind(context: Context, values: dict[str, Any]) -> ContextDict:
    """`context.push(**values)`, not recorded as a tag's write: the compiler scopes them."""
    return ContextDict(context, values)


def _compile(nodelist: NodeList) -> Plan:
    statics: list[str] = []
    slots: list[tuple[str, Slot]] = []
    dynamics: list[Dynamic] = []
    nodes: list[Node] = []
    text: list[str] = []
    for node in nodelist:
        # Exact types only: a subclass may override render(), so it stays opaque.
        kind = type(node)
        if kind is TextNode:
            text.append(node.s)
        elif kind is LiveKeyNode:
            # The one legal place, first in a loop body, is taken out by _for.
            raise misplaced(node, "is not directly in a {% for %} loop's body")
        elif kind not in _SILENT:
            statics.append("".join(text))
            text = []
            dynamic = _BUILDERS.get(kind, _opaque)(node)
            slots.append((str(len(slots)), dynamic.slot))
            dynamics.append(dynamic)
            nodes.append(node)
    statics.append("".join(text))
    plan = Plan(statics, tuple(slots), tuple(dynamics))
    plan.nodes = tuple(nodes)
    generated = generate(plan)
    if generated is not None:
        plan.render = generated
    return plan


def _annotate(exc: Exception, node: Node, context: Context) -> None:
    """Attach Django's debug info to `exc` as `Node.render_annotated` would."""
    if context.template.engine.debug:
        if not hasattr(exc, "_culprit_node"):
            exc._culprit_node = node
        culprit = exc._culprit_node
        template = context.render_context.template
        if not hasattr(exc, "template_debug") and template.origin == culprit.origin:
            exc.template_debug = template.get_exception_info(
                exc, culprit.token
            )


def _opaque(node: Node) -> Dynamic:
    # Reads unknown: evaluated at every render (it may read anything, or the clock).
    render = node.render_annotated

    def slot(context: Context) -> str:
        html = render(context)
        if isinstance(html, str):
            return html
        # NodeList.render would fail joining it too; say which node did it.
        raise TypeError(f"{node!r}.render() returned {type(html).__name__}, expected str")

    return Dynamic(slot)


# Resolving expressions: Django's FilterExpression.resolve and smartif's eval, shortened -----

_CONTEXT_GETITEM = BaseContext.__getitem__


def _plain_lookups(expression: FilterExpression) -> tuple[str, ...] | None:
    """The lookups of a bare `{{ name }}` or `{{ name.key... }}` (no filter, no
    translation); None for any other expression."""
    if type(expression) is not FilterExpression or expression.filters:
        return None
    var = expression.var
    if type(var) is not Variable or var.lookups is None or var.translate:
        return None
    return tuple(var.lookups)


_NOT_CONSTANT: Any = object()


def _constant(expression: FilterExpression) -> Any:
    """What a literal without filters (`0`, `"text"`) always resolves to; _NOT_CONSTANT for
    anything else (a translated literal is translated at each render)."""
    if type(expression) is not FilterExpression or expression.filters:
        return _NOT_CONSTANT
    var = expression.var
    if not expression.is_var:
        return var  # a quoted string, resolved when the template was parsed
    if type(var) is Variable and var.lookups is None and not var.translate:
        return var.literal  # a number
    return _NOT_CONSTANT


def _resolver(expression: FilterExpression, ignore_failures: bool = False
              ) -> Callable[[Context], Any]:
    """`expression.resolve(context, ignore_failures)`, as a function of the context.

    Django's Variable looks a name up with `context[name]` first, and each further `.key` of
    a value with `value[key]` first: found there, through plain dicts only, a value that is
    not callable is its answer, here without its three calls deep. Anything else (a
    missing name or key, which attribute lookups and string_if_invalid decide; an object's
    attribute; a callable, which Django calls; a Context subclass with its own
    `__getitem__`; a mapping that raises) is left to Django's own resolve."""
    resolve = expression.resolve
    constant = _constant(expression)
    if constant is not _NOT_CONSTANT:
        return lambda context: constant
    lookups = _plain_lookups(expression)
    if lookups is None:
        return partial(resolve, ignore_failures=ignore_failures) if ignore_failures \
            else resolve
    name, keys = lookups[0], lookups[1:]

    def lookup(context: Context) -> Any:
        kind = type(context)
        if kind is Context or kind.__getitem__ is _CONTEXT_GETITEM:
            try:
                for values in reversed(context.dicts):  # as BaseContext.__getitem__
                    if name in values:
                        value = values[name]
                        # `.key` of a plain dict: Django's `current[bit]`, tried first.
                        # A missing key is left to Django (it tries attributes next).
                        for key in keys:
                            if type(value) is not dict:
                                break
                            value = value[key]
                        else:
                            if not callable(value):
                                return value
                        break
            except Exception:
                pass  # Django's lookup meets it again, and knows what to make of it
        return resolve(context, ignore_failures)

    return lookup


#: smartif's comparison operators, by id: `x.eval(context) <op> y.eval(context)`.
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
    "<=": operator.le, ">=": operator.ge, "is": operator.is_, "is not": operator.is_not,
    "in": lambda x, y: x in y, "not in": lambda x, y: x not in y,
}

Condition = Callable[[Context], Any]


def _condition(condition: Any) -> Condition:
    """`condition.eval` (an `{% if %}` condition: a smartif tree), as a function of the
    context. Each operator keeps smartif's rule: any exception inside it makes it False.
    A node of a kind not known here keeps its own eval."""
    if type(condition) is TemplateLiteral:
        return _resolver(condition.value, ignore_failures=True)
    op = getattr(condition, "id", None)
    if op not in OPERATORS or type(condition) is not OPERATORS[op]:
        return condition.eval
    first = _condition(condition.first)
    if op == "not":
        return _negation(first)
    second = _condition(condition.second)
    if op == "or":
        return _disjunction(first, second)
    if op == "and":
        return _conjunction(first, second)
    compare = _COMPARISONS[op]
    constant = _constant(condition.second.value) if type(
        condition.second) is TemplateLiteral else _NOT_CONSTANT
    if constant is not _NOT_CONSTANT:
        return _comparison_with(compare, first, constant)
    return _comparison(compare, first, second)


def _negation(first: Condition) -> Condition:
    def evaluate(context: Context) -> Any:
        try:
            return not first(context)
        except Exception:
            return False
    return evaluate


def _disjunction(first: Condition, second: Condition) -> Condition:
    def evaluate(context: Context) -> Any:
        try:
            return first(context) or second(context)
        except Exception:
            return False
    return evaluate


def _conjunction(first: Condition, second: Condition) -> Condition:
    def evaluate(context: Context) -> Any:
        try:
            return first(context) and second(context)
        except Exception:
            return False
    return evaluate


def _comparison(compare: Callable[[Any, Any], Any], first: Condition, second: Condition
                ) -> Condition:
    def evaluate(context: Context) -> Any:
        try:
            return compare(first(context), second(context))
        except Exception:
            return False
    return evaluate


def _comparison_with(compare: Callable[[Any, Any], Any], first: Condition, constant: Any
                     ) -> Condition:
    """`_comparison` with a literal second operand (`count < 0`), without a call for it."""
    def evaluate(context: Context) -> Any:
        try:
            return compare(first(context), constant)
        except Exception:
            return False
    return evaluate


# Builders: one per structural node type --------------------------------------------------


#: settings.USE_THOUSAND_SEPARATOR, read at the first int rendered (None: not yet). Django's
#: LazySettings costs a Python call per read, and every rendered int asks.
_use_thousand_separator: bool | None = None


def _thousand_separator() -> bool:
    global _use_thousand_separator
    if _use_thousand_separator is None:
        _use_thousand_separator = bool(settings.USE_THOUSAND_SEPARATOR)
    return _use_thousand_separator


def _forget_thousand_separator(*, setting: str, **kwargs: Any) -> None:
    # Sent by override_settings (and pytest-django's `settings` fixture).
    global _use_thousand_separator
    if setting == "USE_THOUSAND_SEPARATOR":
        _use_thousand_separator = None


setting_changed.connect(_forget_thousand_separator)


def _variable(node: VariableNode) -> Dynamic:
    resolve = _resolver(node.filter_expression)

    def slot(context: Context) -> str:
        # VariableNode.render, with shortcuts for the two commonest values. Django's
        # localize() of an int is str(int) unless thousand separators are on, and that
        # number formatting is a tenth of a whole counter click; a plain str only needs
        # escaping. Anything else goes through Django's own render_value_in_context.
        try:
            try:
                value = resolve(context)
            except UnicodeDecodeError:
                return ""
            kind = type(value)
            if kind is int and not _thousand_separator():
                return str(value)
            if kind is str:
                return escape(value) if context.autoescape else value
            return render_value_in_context(value, context)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(slot, _expression_reads(node.filter_expression), None, 1, False)


def _if(node: IfNode) -> Dynamic:
    conditions = tuple(cond for cond, _ in node.conditions_nodelists)
    branches = tuple((None if cond is None else _condition(cond), plan_for(nodelist))
                     for cond, nodelist in node.conditions_nodelists)
    reads = union(*(_condition_reads(cond) for cond in conditions),
                  *(plan.reads for _, plan in branches))

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            for condition, plan in branches:
                if condition is not None:
                    try:
                        match = condition(context)
                    except VariableDoesNotExist:
                        match = None
                else:
                    match = True
                if match:
                    if scope is None:
                        return plan.render(context)
                    return plan.render_tracked(context, previous, scope)
            return ""
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, reads, render, total(1, *(plan.size for _, plan in branches)),
                   any(plan.uses_render_context for _, plan in branches))


def _for(node: ForNode) -> Dynamic:
    key_node, loop_body = split_loop_key(node)
    key_of = None if key_node is None else _key(key_node)
    body = plan_for(loop_body)
    empty = plan_for(node.nodelist_empty) if node.nodelist_empty else None
    statics, slots = body.statics, body.slots
    loopvars, sequence, is_reversed = node.loopvars, node.sequence, node.is_reversed
    num_loopvars = len(loopvars)
    unpack = num_loopvars > 1
    loopvar = loopvars[0]
    # What one row reads, and what the loop reads from outside.
    row_reads = union(body.reads, frozenset() if key_node is None else _expression_reads(
        key_node.expression))
    outer_rows = _outer_loop_reads(_body_reads(row_reads, loopvars))
    reads = union(_expression_reads(sequence), outer_rows,
                  frozenset() if empty is None else empty.reads)
    # A row whose output depends only on its item (and on names known unchanged) can be
    # memoised: kept from the last render when an item of the same content is found there.
    memoable = row_reads is not None and not any(
        name.startswith("forloop") for name in row_reads)

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            parentloop = context["forloop"] if "forloop" in context else {}
            with context.push():
                values = sequence.resolve(context, ignore_failures=True)
                stream = values if isinstance(values, Stream) else None
                if stream is not None:
                    # Only the operations not sent yet; always a comprehension, so deletes
                    # and resets go out even when nothing is inserted.
                    stream_wire = stream.wire()
                    values = list(stream)
                if values is None:
                    values = []
                if not hasattr(values, "__len__"):
                    values = list(values)
                len_values = len(values)
                if len_values < 1 and stream is None:
                    if empty is None:
                        return ""
                    return empty.render(context) if scope is None else \
                        empty.render_tracked(context, previous, scope)
                if is_reversed:
                    values = reversed(values)
                memo: dict[Any, Any] | None = None
                old_memo: dict[Any, Any] = {}
                if scope is not None and memoable and stream is None:
                    memo = {}
                    if (scope.reusable(outer_rows) and isinstance(previous, dict)
                            and previous.get(STATIC) is statics):
                        old_memo = getattr(previous.get(KEYED), "memo", None) or {}
                entries: dict[str, Any]
                if key_of is None:
                    entries = {} if memo is None else MemoEntries()
                else:
                    entries = KeyedEntries() if memo is None else KeyedMemoEntries()
                keys: list[Any] = []
                top = context.dicts[-1]
                loop_dict = top["forloop"] = {"parentloop": parentloop}
                for i, item in enumerate(values):
                    loop_dict["counter0"] = i
                    loop_dict["counter"] = i + 1
                    loop_dict["revcounter"] = len_values - i
                    loop_dict["revcounter0"] = len_values - i - 1
                    loop_dict["first"] = i == 0
                    loop_dict["last"] = i == len_values - 1
                    if unpack:
                        try:
                            len_item = len(item)
                        except TypeError:
                            len_item = 1
                        if num_loopvars != len_item:
                            raise ValueError(
                                "Need {} values to unpack in for loop; got {}. ".format(
                                    num_loopvars, len_item
                                ),
                            )
                        _bind(context, dict(zip(loopvars, item)))
                    else:
                        top[loopvar] = item
                    if key_of is not None:
                        # First, as Django renders the key tag before the rest of the body.
                        keys.append(key_of(context))
                    frozen = UNTRACKABLE if memo is None else snapshot(item)
                    entry = old_memo.get(frozen) if frozen is not UNTRACKABLE else None
                    if entry is None:
                        # A loop, not a comprehension: one call frame less per row (3.11).
                        entry = {}
                        for key, s in slots:
                            entry[key] = s(context)
                    if frozen is not UNTRACKABLE:
                        memo[frozen] = entry
                    entries[str(i)] = entry
                    if unpack:
                        context.pop()
                # Counted, not len_values: an odd sequence may iterate a different length.
                entries[KEYED_COUNT] = len(entries)
                if stream is not None:
                    # Streamed entries are all new: never diffed by key or position.
                    return {STATIC: statics, KEYED: dict(entries), STREAM: stream_wire}
                if memo is not None:
                    entries.memo = memo
                if key_of is not None:
                    entries.entry_keys = unique_keys(keys)
                return {STATIC: statics, KEYED: entries}
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, reads, render, None, key_node is not None or body.uses_render_context
                   or (empty is not None and empty.uses_render_context))


def _outer_loop_reads(reads: frozenset[str] | None) -> frozenset[str] | None:
    """A loop body's reads as seen from outside the loop: its own `forloop` is gone,
    `forloop.parentloop...` is one level less deep (the enclosing loop's `forloop`)."""
    if reads is None:
        return None
    names = set()
    for name in reads:
        if name == "forloop":
            continue
        if name.startswith(PARENTLOOP):
            name = "forloop" + name[len(PARENTLOOP):]
        names.add(name)
    return frozenset(names)


class MemoEntries(dict[str, Any]):
    """A loop's `"k"` object with `memo`: the entry rendered for each item content."""

    __slots__ = ("memo",)


class KeyedMemoEntries(KeyedEntries):
    """A keyed loop's `"k"` object with `memo` (see MemoEntries)."""

    __slots__ = ("memo",)


def _key(node: LiveKeyNode) -> Slot:
    key = node.key

    def slot(context: Context) -> Any:
        try:
            return key(context)
        except Exception as exc:
            # The key tag is the culprit, as in Django's render, not the loop around it.
            _annotate(exc, node, context)
            raise

    return slot


def _with(node: WithNode) -> Dynamic:
    extra = tuple(node.extra_context.items())
    plan = plan_for(node.nodelist)
    bound = {key: _expression_reads(val) for key, val in extra}
    reads = union(*bound.values(), _body_reads(plan.reads, bound))

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            values = {key: val.resolve(context) for key, val in extra}
            with _bind(context, values):
                if scope is None:
                    return plan.render(context)
                return plan.render_tracked(context, previous, scope.inner(bound))
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, reads, render, total(1, plan.size), plan.uses_render_context)


def _autoescape(node: AutoEscapeControlNode) -> Dynamic:
    plan = plan_for(node.nodelist)
    setting = node.setting

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            old_setting = context.autoescape
            context.autoescape = setting
            if scope is None:
                tree = plan.render(context)
            else:
                tree = plan.render_tracked(context, previous, scope)
            context.autoescape = old_setting
            return tree
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, plan.reads, render, total(1, plan.size), plan.uses_render_context)


def _include(node: IncludeNode) -> Dynamic:
    # Reads unknown at compile time (the template may be a variable); the tracked evaluator
    # resolves the template and tracks inside it.
    extra = tuple(node.extra_context.items())
    bound = {name: _expression_reads(var) for name, var in extra}

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            template = node.template.resolve(context)
            if not callable(getattr(template, "render", None)):
                template_name = template or ()
                if isinstance(template_name, str):
                    template_name = (
                        construct_relative_path(node.origin.template_name, template_name),
                    )
                else:
                    template_name = tuple(template_name)
                # The same per-render cache IncludeNode uses, keyed on the node.
                cache = context.render_context.dicts[0].setdefault(node, {})
                template = cache.get(template_name)
                if template is None:
                    template = context.template.engine.select_template(template_name)
                    cache[template_name] = template
            elif hasattr(template, "template"):
                template = template.template
            values = {name: var.resolve(context) for name, var in extra}
            inner = None if scope is None else scope.inner(bound, node.isolated_context)
            if node.isolated_context:
                return _render_included(template, context.new(values), previous, inner)
            with _bind(context, values):
                return _render_included(template, context, previous, inner)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, None, render)


def _render_included(template: Any, context: Context, previous: Any = None,
                      scope: Scope | None = None) -> Any:
    if isinstance(template, Template):
        return render_template_tree(template, context, previous, scope)
    # Some other object with a render() method: Django trusts its output as is.
    html = template.render(context)
    if isinstance(html, str):
        return html
    raise TypeError(f"{template!r}.render() returned {type(html).__name__}, expected str")


def _extends(node: ExtendsNode) -> Dynamic:
    # Reads unknown: the parent may be a variable, and blocks come from every level.
    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            compiled_parent = node.get_parent(context)
            render_context = context.render_context
            if BLOCK_CONTEXT_KEY not in render_context:
                render_context[BLOCK_CONTEXT_KEY] = BlockContext()
            block_context = render_context[BLOCK_CONTEXT_KEY]
            block_context.add_blocks(node.blocks)
            # A root parent (no extends of its own) contributes its blocks too.
            for parent_node in compiled_parent.nodelist:
                if not isinstance(parent_node, TextNode):
                    if not isinstance(parent_node, ExtendsNode):
                        blocks = {
                            n.name: n
                            for n in compiled_parent.nodelist.get_nodes_by_type(BlockNode)
                        }
                        block_context.add_blocks(blocks)
                    break
            plan = plan_for(compiled_parent.nodelist)
            with render_context.push_state(compiled_parent, isolated_context=False):
                return _run(plan, context, previous, scope)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, None, render)


_BLOCK = frozenset(("block",))


def _block(node: BlockNode) -> Dynamic:
    # Reads unknown: which block wins is only known while rendering (an extending child's).
    own_plan = plan_for(node.nodelist)

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            inner = None if scope is None else scope.without(_BLOCK)
            block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
            with context.push():
                if block_context is None:
                    context.dicts[-1]["block"] = node
                    return _run(own_plan, context, previous, inner)
                push = block = block_context.pop(node.name)
                if block is None:
                    block = node
                # A fresh BlockNode carries this render's context for block.super.
                block = type(node)(block.name, block.nodelist)
                block.context = context
                context.dicts[-1]["block"] = block
                tree = _run(plan_for(block.nodelist), context, previous, inner)
                if push is not None:
                    block_context.push(node.name, push)
                return tree
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return Dynamic(render, None, render)


def _portal(node: PortalNode) -> Dynamic:
    # Opening tags as one dynamic (id, target and class may be variables), the body as a
    # nested tree: a change inside a portal diffs like any other content.
    plan = plan_for(node.nodelist)
    statics = ["", "", node.close_tag]  # shared by every tree of this node, never mutated

    def render(context: Context, previous: Any = None, scope: Scope | None = None) -> Any:
        try:
            open_tag = node.open_tag(context)  # first, in document order
            if scope is None or not isinstance(previous, dict) or previous.get(
                    STATIC) is not statics:
                body = plan.render(context)
            else:
                body = plan.render_tracked(context, previous["1"], scope)
            return {"0": open_tag, "1": body, STATIC: statics}
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    # The opening tags' reads are the portal's own business: unknown.
    return Dynamic(render, None, render)


def _component(node: ComponentNode) -> Dynamic:
    # Evaluated at every render: placing the component is how its host learns it is there.
    return Dynamic(component_slot(node))


# Generated code: one render function per plan ---------------------------------------------
#
# `Plan.render` calls one evaluator per slot, and each evaluator calls further ones (a
# variable its lookup, an if its condition, the condition its operands, the branch its plan).
# `generate` writes the same steps as one function per plan, compiled once: a bare variable
# and an `{% if %}` (its conditions and branches) become straight-line code, the very
# statements of `_variable`'s slot, `_resolver`'s lookup, `_condition`'s closures and
# `_if`'s render, each with the same `try` around it; every other node is its slot, called.

#: How deeply generated code indents before it calls a slot instead: CPython refuses more
#: than 20 nested blocks (try, for) in one function, and each level here is at most half one.
_MAX_DEPTH = 24

#: A lookup not answered by the shortcut (Django's resolve is asked).
_UNFOUND: Any = object()
#: A variable whose resolve raised UnicodeDecodeError (VariableNode renders "").
_UNDECODABLE: Any = object()

#: Python's spelling of each of smartif's comparisons (`_COMPARISONS`).
_OPERATOR_SOURCE = {"==": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=",
                    "is": "is", "is not": "is not", "in": "in", "not in": "not in"}


class _Source:
    """The lines of one generated function and the objects they name (its closure)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self.temps = 0

    def name(self, value: Any) -> str:
        name = f"k{len(self.names)}"
        self.names[name] = value
        return name

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def generate(plan: Plan) -> Callable[[Context], dict[str, Any]] | None:
    """`plan.render` as one generated function (see above); None if it cannot be made."""
    if len(plan.nodes) != len(plan.slots):
        return None
    source = _Source()
    _emit_plan(source, plan, "node", 2)
    source.emit(2, "return node")
    text = (f"def _make({', '.join(source.names)}):\n    def render(context):\n"
            + "\n".join(source.lines) + "\n    return render\n")
    try:
        code = compile(text, "<liveview plan>", "exec")
    except (SyntaxError, RecursionError, MemoryError):  # (a template nested past the limits)
        return None
    namespace: dict[str, Any] = {}
    exec(code, globals(), namespace)  # the code above, made from the plan alone
    render: Callable[[Context], dict[str, Any]] = namespace["_make"](**source.names)
    return render


def _emit_plan(source: _Source, plan: Plan, target: str, depth: int) -> None:
    """`target = plan.render(context)`, as `Plan.render_slots` builds the node."""
    source.emit(depth, f"{target} = {{}}")
    for (key, slot), node in zip(plan.slots, plan.nodes):
        dest = f"{target}[{key!r}]"
        kind = type(node)
        if depth <= _MAX_DEPTH and kind is VariableNode and _emit_variable(
                source, node, dest, depth):
            continue
        if depth <= _MAX_DEPTH and kind is IfNode and _emit_if(source, node, dest, depth):
            continue
        source.emit(depth, f"{dest} = {source.name(slot)}(context)")
    source.emit(depth, f"{target}[{STATIC!r}] = {source.name(plan.statics)}")


def _emit_lookup(source: _Source, lookups: tuple[str, ...], value: str, depth: int) -> None:
    """`value` = what `_resolver`'s lookup finds without Django, else _UNFOUND."""
    name, keys = lookups[0], lookups[1:]
    found, values, scan = source.temp(), source.temp(), source.temp()
    emit = source.emit
    emit(depth, f"{value} = _UNFOUND")
    emit(depth, "if type(context) is Context or "
                "type(context).__getitem__ is _CONTEXT_GETITEM:")
    emit(depth + 1, "try:")
    # The top dict first (where a view's variables and a loop's are: no iterator made),
    # then the others from the top down, as BaseContext.__getitem__ walks them.
    emit(depth + 2, f"{values} = context.dicts[-1]")
    emit(depth + 2, f"if {name!r} not in {values}:")
    emit(depth + 3, f"{values} = None")
    emit(depth + 3, f"for {scan} in reversed(context.dicts):")
    emit(depth + 4, f"if {name!r} in {scan}:")
    emit(depth + 5, f"{values} = {scan}")
    emit(depth + 5, "break")
    emit(depth + 2, f"if {values} is not None:")
    emit(depth + 3, f"{found} = {values}[{name!r}]")
    if keys:
        key = source.temp()
        emit(depth + 3, f"for {key} in {source.name(keys)}:")
        emit(depth + 4, f"if type({found}) is not dict:")
        emit(depth + 5, "break")
        emit(depth + 4, f"{found} = {found}[{key}]")
        emit(depth + 3, "else:")
        emit(depth + 4, f"if not callable({found}):")
        emit(depth + 5, f"{value} = {found}")
    else:
        emit(depth + 3, f"if not callable({found}):")
        emit(depth + 4, f"{value} = {found}")
    emit(depth + 1, "except Exception:")
    emit(depth + 2, "pass")


def _emit_annotated_raise(source: _Source, node: Any, depth: int) -> None:
    """The `except` closing a node's `try`: the error names `node`, as its slot's would."""
    source.emit(depth, "except Exception as exc:")
    source.emit(depth + 1, f"_annotate(exc, {source.name(node)}, context)")
    source.emit(depth + 1, "raise")


def _emit_variable(source: _Source, node: VariableNode, dest: str, depth: int) -> bool:
    """`dest = <_variable's slot>(context)` for a bare `{{ name.key... }}`; False for any
    other expression (its slot is called)."""
    expression = node.filter_expression
    lookups = _plain_lookups(expression)
    if lookups is None or _constant(expression) is not _NOT_CONSTANT:
        return False
    emit = source.emit
    value = source.temp()
    emit(depth, "try:")
    _emit_lookup(source, lookups, value, depth + 1)
    emit(depth + 1, f"if {value} is _UNFOUND:")
    emit(depth + 2, "try:")
    emit(depth + 3, f"{value} = {source.name(expression.resolve)}(context, False)")
    emit(depth + 2, "except UnicodeDecodeError:")
    emit(depth + 3, f"{value} = _UNDECODABLE")
    emit(depth + 1, f"if {value} is _UNDECODABLE:")
    emit(depth + 2, f"{dest} = ''")
    emit(depth + 1, f"elif type({value}) is int and not (_use_thousand_separator if "
                    f"_use_thousand_separator is not None else _thousand_separator()):")
    emit(depth + 2, f"{dest} = str({value})")
    emit(depth + 1, f"elif type({value}) is str:")
    emit(depth + 2, f"{dest} = escape({value}) if context.autoescape else {value}")
    emit(depth + 1, "else:")
    emit(depth + 2, f"{dest} = render_value_in_context({value}, context)")
    _emit_annotated_raise(source, node, depth)
    return True


def _emit_condition(source: _Source, condition: Any, value: str, depth: int) -> None:
    """`value = <_condition(condition)>(context)`, inline where `_condition` has a closure
    of its own; an operand of another kind is its closure, called."""
    emit = source.emit
    if type(condition) is TemplateLiteral:
        expression = condition.value
        constant = _constant(expression)
        lookups = _plain_lookups(expression)
        if constant is not _NOT_CONSTANT:
            emit(depth, f"{value} = {source.name(constant)}")
        elif lookups is None or depth > _MAX_DEPTH:
            emit(depth, f"{value} = {source.name(_resolver(expression, True))}(context)")
        else:
            _emit_lookup(source, lookups, value, depth)
            emit(depth, f"if {value} is _UNFOUND:")
            emit(depth + 1, f"{value} = {source.name(expression.resolve)}(context, True)")
        return
    op = getattr(condition, "id", None)
    if op not in OPERATORS or type(condition) is not OPERATORS[op] or depth > _MAX_DEPTH:
        emit(depth, f"{value} = {source.name(_condition(condition))}(context)")
        return
    first = source.temp()
    emit(depth, "try:")
    _emit_condition(source, condition.first, first, depth + 1)
    if op == "not":
        emit(depth + 1, f"{value} = not {first}")
    elif op in ("or", "and"):
        # `first or second`: second only evaluated when first is false (and: true).
        emit(depth + 1, f"if {'not ' if op == 'or' else ''}{first}:")
        second = source.temp()
        _emit_condition(source, condition.second, second, depth + 2)
        emit(depth + 2, f"{first} = {second}")
        emit(depth + 1, f"{value} = {first}")
    else:
        constant = _constant(condition.second.value) if type(
            condition.second) is TemplateLiteral else _NOT_CONSTANT
        if constant is not _NOT_CONSTANT:
            second = source.name(constant)
        else:
            second = source.temp()
            _emit_condition(source, condition.second, second, depth + 1)
        emit(depth + 1, f"{value} = {first} {_OPERATOR_SOURCE[op]} {second}")
    emit(depth, "except Exception:")  # smartif: an operator that raises is False
    emit(depth + 1, f"{value} = False")


def _emit_if(source: _Source, node: IfNode, dest: str, depth: int) -> bool:
    """`dest = <_if(node)'s render>(context)`: the first branch whose condition holds.
    False when a branch's plan has no nodes to generate from (its slot is called)."""
    branches = node.conditions_nodelists
    plans = [plan_for(nodelist) for _condition, nodelist in branches]
    if any(len(plan.nodes) != len(plan.slots) for plan in plans):
        return False
    emit = source.emit
    match, branch = source.temp(), source.temp()
    emit(depth, "try:")
    emit(depth + 1, f"{branch} = -1")
    for index, (condition, _nodelist) in enumerate(branches):
        inner = depth + 1
        if index:
            emit(inner, f"if {branch} < 0:")
            inner += 1
        if condition is None:
            emit(inner, f"{branch} = {index}")
            continue
        emit(inner, "try:")
        _emit_condition(source, condition, match, inner + 1)
        emit(inner, "except VariableDoesNotExist:")
        emit(inner + 1, f"{match} = None")
        emit(inner, f"if {match}:")
        emit(inner + 1, f"{branch} = {index}")
    for index, plan in enumerate(plans):
        emit(depth + 1, f"{'elif' if index else 'if'} {branch} == {index}:")
        tree = source.temp()
        _emit_plan(source, plan, tree, depth + 2)
        emit(depth + 2, f"{dest} = {tree}")
    emit(depth + 1, "else:")
    emit(depth + 2, f"{dest} = ''")
    _emit_annotated_raise(source, node, depth)
    return True


_BUILDERS: dict[type, Callable[[Any], Dynamic]] = {
    VariableNode: _variable,
    IfNode: _if,
    ForNode: _for,
    WithNode: _with,
    AutoEscapeControlNode: _autoescape,
    IncludeNode: _include,
    ExtendsNode: _extends,
    BlockNode: _block,
    PortalNode: _portal,
    ComponentNode: _component,
}
