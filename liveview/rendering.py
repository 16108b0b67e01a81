"""Rendering a view's context into a tree, on the event loop when possible."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from django.template import loader
from django.template.base import Template

from .context import template_context
from .core.plan import Plan
from .core.render import always_bare, render_tree


class Renderable(Protocol):
    """What is rendered: a LiveView (or anything with its `render`)."""

    def render(self, context: dict[str, Any]) -> Any: ...


def as_tree(rendered: Any) -> dict[str, Any]:
    """Accept what `LiveView.render` returns: a tree, or trusted HTML as one opaque dynamic."""
    if isinstance(rendered, dict):
        return rendered
    if isinstance(rendered, str):
        return {"s": ["", ""], "0": str(rendered)}
    raise TypeError(f"LiveView.render() must return a rendered tree (dict) or an HTML str, "
                    f"got {type(rendered).__name__}")


def view_context(socket: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The variables the view's template renders with, in a dict of its own (the user's is
    never changed, and the caller may add to this one): `flash` and `streams` in every view
    template, as Phoenix's @flash and @streams; the socket's context over them (its key of
    the same name wins); `extra` over all (more variables, e.g. for components)."""
    flash = getattr(socket, "flash", None)
    streams = getattr(socket, "streams", None)
    if flash is None or streams is None:  # (a component's socket has neither)
        return _context_without_defaults(socket, flash, streams, extra)
    # One dict in one step: every render of every view builds it.
    own = socket.context
    if type(own) is not dict:  # (a dict, most often, is the template's variables as it is)
        own = template_context(own)
    if extra is None:
        return {"flash": flash, "streams": streams, **own}
    return {"flash": flash, "streams": streams, **own, **extra}


def _context_without_defaults(socket: Any, flash: Any, streams: Any,
                              extra: dict[str, Any] | None) -> dict[str, Any]:
    """`view_context` for a socket without `flash` or `streams` (or both)."""
    context: dict[str, Any] = {}
    if flash is not None:
        context["flash"] = flash
    if streams is not None:
        context["streams"] = streams
    context.update(template_context(socket.context))
    if extra is not None:
        context.update(extra)
    return context


def render_now(view: Renderable, context: dict[str, Any]
               ) -> dict[str, Any] | Awaitable[dict[str, Any]]:
    """The view's tree, rendered on the event loop (no thread hop per event); an awaitable
    of it when the render must go on elsewhere: it returned an awaitable, or the context
    holds lazy querysets, which cannot be evaluated on the loop (Django says so with
    SynchronousOnlyOperation), and it is redone in the ORM's worker thread."""
    try:
        rendered = view.render(context)
    except SynchronousOnlyOperation:
        return render_again(view, context)
    if type(rendered) is dict:  # the common case, without asking about awaitables
        return rendered
    return tree_or_awaitable(rendered)


def tree_or_awaitable(rendered: Any) -> dict[str, Any] | Awaitable[dict[str, Any]]:
    """What `render_now` makes of what a `render` returned that is not a plain dict."""
    if inspect.isawaitable(rendered):
        return _awaited(rendered)
    return as_tree(rendered)


async def _awaited(rendered: Awaitable[Any]) -> dict[str, Any]:
    return as_tree(await rendered)


async def render_again(view: Renderable, context: dict[str, Any]) -> dict[str, Any]:
    """`render_now` after its render raised SynchronousOnlyOperation: the render again, in
    the ORM's worker thread."""
    return await tree_of(tree_or_awaitable(await database_sync_to_async(view.render)(context)))


async def tree_of(rendered: dict[str, Any] | Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """The tree `render_now` gave, or awaited."""
    return rendered if isinstance(rendered, dict) else await rendered


def always_bare_view(view: Any) -> tuple[Plan, Template] | None:
    """The plan and template of `view` when every render of it is `render_bare`'s: it
    renders with `TemplateRenderer.render` (no `render()` of its own), its template is loaded
    (after its first render) and always renders bare (`core.render.always_bare`); else None.
    Such a view's tree is its template's for its variables (`view_context`) and nothing
    else: no component, no child view, no tracking."""
    if getattr(type(view), "render", None) is not TemplateRenderer.render or \
            "render" in getattr(view, "__dict__", ()):
        return None
    template = view.__dict__.get("_template")
    return always_bare(template) if template is not None else None


class TemplateRenderer:
    """`template_name` → `render(context)`: how a LiveView and a LiveComponent render.

    The template is looked up once per instance; Django's cached loader hands every instance
    the same Template, so they share its compiled plan (and a component class its statics).
    """

    #: Django template holding the markup.
    template_name: str | None = None

    def get_template_names(self) -> list[str]:
        """Templates to try, in order."""
        if self.template_name is None:
            raise NotImplementedError(
                f"{type(self).__name__} must set template_name or override render()")
        return [self.template_name]

    def render(self, context: dict[str, Any]) -> dict[str, Any] | str:
        """The rendered tree for `context` (or trusted HTML, sent as one opaque part)."""
        template = self.__dict__.get("_template")
        if template is None:
            template = self._template = loader.select_template(self.get_template_names())
        return render_tree(template, context)

