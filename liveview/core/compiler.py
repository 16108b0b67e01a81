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
"""
from __future__ import annotations

from typing import Any, Callable

from django.conf import settings
from django.template.base import (
    Node,
    NodeList,
    Template,
    TextNode,
    VariableDoesNotExist,
    VariableNode,
    render_value_in_context,
)
from django.template.context import Context
from django.template.defaulttags import (
    AutoEscapeControlNode,
    CommentNode,
    ForNode,
    IfNode,
    LoadNode,
    WithNode,
)
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
from .plan import Plan, Slot
from .portal import PortalNode
from .streams import Stream
from .wire import KEYED, KEYED_COUNT, STATIC, STREAM

# The compiled Plan is stored on the NodeList itself: it lives exactly as long
# as the template (Django's cached loader keeps templates for the process).
_PLAN_ATTR = "_liveview_plan"

# Nodes whose render() is always "" and touches no state: they vanish.
_SILENT = (CommentNode, LoadNode)


def plan_for(nodelist: NodeList) -> Plan:
    """The Plan of `nodelist`, compiled on first use and cached on the NodeList."""
    plan = getattr(nodelist, _PLAN_ATTR, None)
    if plan is None:
        # Two threads may race here; both build equivalent immutable plans and
        # the attribute assignment is atomic, so no lock is needed.
        plan = _compile(nodelist)
        setattr(nodelist, _PLAN_ATTR, plan)
    return plan


def render_template_tree(template: Template, context: Context) -> dict[str, Any]:
    """The tree of `template`: what `Template.render(context)` does, building a tree."""
    plan = plan_for(template.nodelist)
    with context.render_context.push_state(template):
        if context.template is None:
            with context.bind_template(template):
                context.template_name = template.name
                return plan.render(context)
        return plan.render(context)


def _compile(nodelist: NodeList) -> Plan:
    statics: list[str] = []
    slots: list[tuple[str, Slot]] = []
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
            slots.append((str(len(slots)), _BUILDERS.get(kind, _opaque)(node)))
    statics.append("".join(text))
    return Plan(statics, tuple(slots))


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


def _opaque(node: Node) -> Slot:
    render = node.render_annotated

    def slot(context: Context) -> str:
        html = render(context)
        if isinstance(html, str):
            return html
        # NodeList.render would fail joining it too; say which node did it.
        raise TypeError(f"{node!r}.render() returned {type(html).__name__}, expected str")

    return slot


def _variable(node: VariableNode) -> Slot:
    resolve = node.filter_expression.resolve

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
            if kind is int and not settings.USE_THOUSAND_SEPARATOR:
                return str(value)
            if kind is str:
                return escape(value) if context.autoescape else value
            return render_value_in_context(value, context)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _if(node: IfNode) -> Slot:
    branches = tuple((cond, plan_for(nodelist)) for cond, nodelist in node.conditions_nodelists)

    def slot(context: Context) -> Any:
        try:
            for condition, plan in branches:
                if condition is not None:
                    try:
                        match = condition.eval(context)
                    except VariableDoesNotExist:
                        match = None
                else:
                    match = True
                if match:
                    return plan.render(context)
            return ""
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _for(node: ForNode) -> Slot:
    key_node, loop_body = split_loop_key(node)
    key_of = None if key_node is None else _key(key_node)
    body = plan_for(loop_body)
    empty = plan_for(node.nodelist_empty) if node.nodelist_empty else None
    statics, slots = body.statics, body.slots
    loopvars, sequence, is_reversed = node.loopvars, node.sequence, node.is_reversed
    num_loopvars = len(loopvars)
    unpack = num_loopvars > 1
    loopvar = loopvars[0]

    def slot(context: Context) -> Any:
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
                    return "" if empty is None else empty.render(context)
                if is_reversed:
                    values = reversed(values)
                entries: dict[str, Any] = {} if key_of is None else KeyedEntries()
                keys: list[Any] = []
                loop_dict = context["forloop"] = {"parentloop": parentloop}
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
                        context.update(dict(zip(loopvars, item)))
                        if key_of is not None:
                            # First, as Django renders the key tag before the rest of the body.
                            keys.append(key_of(context))
                        entries[str(i)] = {key: s(context) for key, s in slots}
                        context.pop()
                    else:
                        context[loopvar] = item
                        if key_of is not None:
                            keys.append(key_of(context))
                        entries[str(i)] = {key: s(context) for key, s in slots}
                # Counted, not len_values: an odd sequence may iterate a different length.
                entries[KEYED_COUNT] = len(entries)
                if stream is not None:
                    # Streamed entries are all new: never diffed by key or position.
                    return {STATIC: statics, KEYED: dict(entries), STREAM: stream_wire}
                if key_of is not None:
                    entries.entry_keys = unique_keys(keys)
                return {STATIC: statics, KEYED: entries}
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


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


def _with(node: WithNode) -> Slot:
    extra = tuple(node.extra_context.items())
    plan = plan_for(node.nodelist)

    def slot(context: Context) -> Any:
        try:
            values = {key: val.resolve(context) for key, val in extra}
            with context.push(**values):
                return plan.render(context)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _autoescape(node: AutoEscapeControlNode) -> Slot:
    plan = plan_for(node.nodelist)
    setting = node.setting

    def slot(context: Context) -> Any:
        try:
            old_setting = context.autoescape
            context.autoescape = setting
            tree = plan.render(context)
            context.autoescape = old_setting
            return tree
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _include(node: IncludeNode) -> Slot:
    extra = tuple(node.extra_context.items())

    def slot(context: Context) -> Any:
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
            if node.isolated_context:
                return _render_included(template, context.new(values))
            with context.push(**values):
                return _render_included(template, context)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _render_included(template: Any, context: Context) -> Any:
    if isinstance(template, Template):
        return render_template_tree(template, context)
    # Some other object with a render() method: Django trusts its output as is.
    html = template.render(context)
    if isinstance(html, str):
        return html
    raise TypeError(f"{template!r}.render() returned {type(html).__name__}, expected str")


def _extends(node: ExtendsNode) -> Slot:
    def slot(context: Context) -> Any:
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
                return plan.render(context)
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _block(node: BlockNode) -> Slot:
    own_plan = plan_for(node.nodelist)

    def slot(context: Context) -> Any:
        try:
            block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
            with context.push():
                if block_context is None:
                    context["block"] = node
                    return own_plan.render(context)
                push = block = block_context.pop(node.name)
                if block is None:
                    block = node
                # A fresh BlockNode carries this render's context for block.super.
                block = type(node)(block.name, block.nodelist)
                block.context = context
                context["block"] = block
                tree = plan_for(block.nodelist).render(context)
                if push is not None:
                    block_context.push(node.name, push)
                return tree
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


def _portal(node: PortalNode) -> Slot:
    # Opening tags as one dynamic (id, target and class may be variables), the body as a
    # nested tree: a change inside a portal diffs like any other content.
    plan = plan_for(node.nodelist)
    statics = ["", "", node.close_tag]  # shared by every tree of this node, never mutated

    def slot(context: Context) -> Any:
        try:
            return {"0": node.open_tag(context), "1": plan.render(context), STATIC: statics}
        except Exception as exc:
            _annotate(exc, node, context)
            raise

    return slot


_BUILDERS: dict[type, Callable[[Any], Slot]] = {
    VariableNode: _variable,
    IfNode: _if,
    ForNode: _for,
    WithNode: _with,
    AutoEscapeControlNode: _autoescape,
    IncludeNode: _include,
    ExtendsNode: _extends,
    BlockNode: _block,
    PortalNode: _portal,
    ComponentNode: component_slot,
}
