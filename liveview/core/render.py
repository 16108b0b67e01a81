"""Render a Django template into a Phoenix LiveView 1.x rendered tree (protocol.md §4).

The tree's HTML (`liveview.core.tree.tree_to_html`) is byte for byte what
Django's own render returns for the same template, context and request.
How each tag maps onto the tree is described in docs/templates.md.

A context holding a `Tracker` under `TRACK_KEY` (a connected view's renders) is rendered
tracked: see `liveview.core.tracking`.
"""
from __future__ import annotations

from typing import Any, Mapping

from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.backends.django import reraise
from django.template.base import Template
from django.template.context import Context, RenderContext, make_context

from .compiler import PLAN_ATTR, plan_for, render_plan
from .plan import Plan
from .tracking import TRACK_KEY, Tracker, record_writes


#: A template evaluating at most this many dynamics, with no loop, include, block or opaque
#: tag, is rendered whole: tracking would cost more than it saves.
SMALL_TEMPLATE = 8


#: What BaseContext puts first in every Context's dicts (copied per context: tags may
#: write into it).
_BUILTINS: dict[Any, Any] = {"True": True, "False": False, "None": None}


def new_context(values: dict[str, Any], autoescape: bool) -> Context:
    """`Context(values, autoescape=autoescape)`, as `make_context` gives it without a request,
    set up without its chain of constructors (Context, BaseContext, RenderContext, each
    resetting its dicts): every click renders. Holds what Django's holds (tested).
    (Neither class has a `__new__` of its own; copying a dict is cheaper than building it.)"""
    render_context = object.__new__(RenderContext)
    render_context.dicts = [_BUILTINS.copy()]
    context = object.__new__(Context)
    context.autoescape = autoescape
    context.use_l10n = None
    context.use_tz = None
    context.template_name = "unknown"
    context.render_context = render_context
    context.template = None
    context.dicts = [_BUILTINS.copy(), values]
    return context


#: The values of a kept bare-render Context between two renders (never read).
_NO_VALUES: dict[str, Any] = {}


def _bare_context(template: Template) -> Context:
    """A Context for `render_bare`'s renders of `template`: `new_context`'s, bound to the
    template as `render_plan` binds it."""
    render_context = object.__new__(RenderContext)
    render_context.dicts = [_BUILTINS.copy()]
    render_context.template = template
    context = object.__new__(Context)
    context.autoescape = template.engine.autoescape
    context.use_l10n = None
    context.use_tz = None
    context.template_name = template.name
    context.render_context = render_context
    context.template = template
    context.dicts = [_BUILTINS.copy(), _NO_VALUES]
    return context


def render_bare(plan: Plan, template: Template, values: dict[str, Any]) -> dict[str, Any]:
    """`template`'s tree for `values` (its `plan`, which never writes into the context nor
    keeps state in the render context: `uses_render_context` False), untracked: the bare
    render of `render_tree`, and of a view whose template always renders bare
    (`always_bare`).

    `values` is used as it is (nothing writes into it), in a Context like `new_context`'s,
    bound to the template as `render_plan` binds it. That Context is made once and kept by
    the plan between renders: such a render leaves it as it found it. Each render takes one
    for itself (list.pop and append are atomic: renders in other threads, or nested, take
    another); a render that raised does not give it back.
    """
    try:
        context = plan.spare_contexts.pop()
    except IndexError:
        context = _bare_context(template)
    dicts = context.dicts
    dicts[1] = values
    render = plan.render  # (`plan.render(...)`: CPython 3.11 never specializes it, a slot)
    tree = render(context)
    dicts[1] = _NO_VALUES  # (the values are not kept alive between renders)
    plan.spare_contexts.append(context)
    return tree


def _bare_even_tracked(plan: Plan) -> bool:
    """Whether `render_tree` renders `plan` bare even in a tracked render: small, with
    nothing that writes into the context or keeps state in the render context."""
    return not plan.uses_render_context and plan.size is not None and \
        plan.size <= SMALL_TEMPLATE


def always_bare(template: Any) -> tuple[Plan, Template] | None:
    """The plan and base template of `template` when every render of it is bare
    (`_bare_even_tracked`), else None."""
    base = getattr(template, "template", template)
    if not isinstance(base, Template):
        return None
    plan = plan_for(base.nodelist)
    return (plan, base) if _bare_even_tracked(plan) else None


def render_tree(
    template: Any, context: Mapping[str, Any], request: HttpRequest | None = None
) -> dict[str, Any]:
    """Render `template` with `context` (and `request`, as Django would) into a rendered tree."""
    # A backend template (what loader.get_template returns) wraps a base Template.
    base = getattr(template, "template", template)
    if not isinstance(base, Template):
        raise TypeError(
            "render_tree() needs a Django template (django.template.Template or the result of "
            f"django.template.loader.get_template), got {type(template).__name__}"
        )
    try:
        plan = getattr(base.nodelist, PLAN_ATTR, None)  # (`plan_for`, without its call)
        if plan is None:
            plan = plan_for(base.nodelist)
        if request is None and type(context) is dict and (
                (TRACK_KEY not in context and not plan.uses_render_context)
                or _bare_even_tracked(plan)):
            # The bare render (every click of a small template): a plan whose nodes never
            # write into the context nor keep state in the render context (variables, if,
            # for, with, autoescape: `Plan.uses_render_context` is False), untracked.
            # `context` is used as it is (nothing writes into it: no copy; a `TRACK_KEY`
            # in it is a name no template can spell).
            return render_bare(plan, base, context)
    except TemplateDoesNotExist as exc:
        if base is not template:
            reraise(exc, template.backend)
        raise
    # A copy, so assignments made by tags at top level never leak into the caller's dict.
    values = dict(context)
    tracker = values.pop(TRACK_KEY, None)
    autoescape = base.engine.autoescape
    ctx = make_context(values, request, autoescape=autoescape) if request is not None \
        else new_context(values, autoescape)
    try:
        if not isinstance(tracker, Tracker) or (
                plan.size is not None and plan.size <= SMALL_TEMPLATE):
            return render_plan(base, plan, ctx)
        # Tracked: dynamics whose names are unchanged keep their value from the last tree.
        render = tracker.begin(values, plan.reads)
        record_writes(ctx, render.scope.written)
        tree = render_plan(base, plan, ctx, render.previous, render.scope)
        render.commit(tree)
        return tree
    except TemplateDoesNotExist as exc:
        if base is not template:
            # Raises a copy naming the backend, as the backend's Template.render does.
            reraise(exc, template.backend)
        raise

