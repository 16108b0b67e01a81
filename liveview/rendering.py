"""Rendering a view's context into a tree, on the event loop when possible."""
from __future__ import annotations

import inspect
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from django.template import loader

from .context import template_context
from .core.render import render_tree


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


async def render_view(view: Renderable, socket: Any,
                      extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view's current tree (`extra`: more template variables, e.g. for components).

    Rendering runs on the event loop (no thread hop per event). A context holding lazy
    querysets cannot be evaluated there; Django says so with SynchronousOnlyOperation and
    the render is redone in the ORM's worker thread.
    """
    context = template_context(socket.context)
    # `flash` and `streams` in every view template, as Phoenix's @flash and @streams;
    # a context key of the same name wins. One copy at most (the user's dict stays as is).
    copied = False
    for name in ("flash", "streams"):
        if name not in context and (value := getattr(socket, name, None)) is not None:
            if not copied:
                context, copied = dict(context), True
            context[name] = value
    if extra is not None:
        if copied:
            context.update(extra)
        else:
            context = {**context, **extra}
    try:
        rendered = view.render(context)
    except SynchronousOnlyOperation:
        rendered = await database_sync_to_async(view.render)(context)
    if inspect.isawaitable(rendered):
        rendered = await rendered
    return as_tree(rendered)


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

