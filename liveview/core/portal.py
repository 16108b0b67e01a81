"""`{% portal %}`: markup the phoenix_live_view client teleports elsewhere in the document.

The client looks for `<template data-phx-portal="<target selector>">` elements in a view.
After every patch it takes the template's single root element (which must have an id),
and morphs a copy of it into the target (appended on first use), marking it with
`data-phx-teleported` (the view) and `data-phx-teleported-src` (the template's id).
The copy stays owned by the view: its events, hooks and JS commands work as if it had
never moved, and it is removed when the template goes. Like Phoenix's `portal/1` component,
we render

    <template id="ID" data-phx-portal="TARGET"><div id="_lv_portal_wrap_ID" class="...">
      body
    </div></template>

The body is ordinary template content. The compiler (`_portal` in compiler.py) keeps it
structural: the opening tags are one dynamic and the body a nested tree, so a change
inside a portal sends only what changed, as anywhere else.
"""
from __future__ import annotations

import re
from typing import Any

from django.template.base import FilterExpression, Node, NodeList
from django.template.exceptions import TemplateSyntaxError
from django.template.context import Context
from django.utils.html import format_html

# A tag name the HTML parser accepts as an element (the wrapper must be one element).
_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
WRAPPER_ID_PREFIX = "_lv_portal_wrap_"


class PortalNode(Node):
    """`{% portal id=... target=... class=... container=... %}body{% endportal %}`."""

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList, id: FilterExpression, target: FilterExpression,
                 css_class: FilterExpression | None, container: str) -> None:
        if not _TAG_NAME.match(container):
            raise TemplateSyntaxError(f"{{% portal %}}: container must be an HTML tag name such as "
                              f"'div' or 'section', got {container!r}")
        self.nodelist = nodelist
        self.id = id
        self.target = target
        self.css_class = css_class
        self.container = container
        self.close_tag = f"</{container}></template>"

    def __repr__(self) -> str:
        return f"<PortalNode id={self.id.token!r} target={self.target.token!r}>"

    def open_tag(self, context: Context) -> str:
        """`<template ...><container ...>`, escaped, for this render's id, target and class."""
        portal_id = self._text(context, "id", self.id)
        target = self._text(context, "target", self.target)
        css_class = None if self.css_class is None else self.css_class.resolve(context)
        return format_html(
            '<template id="{}" data-phx-portal="{}"><{} id="{}{}"{}>', portal_id, target,
            self.container, WRAPPER_ID_PREFIX, portal_id,
            format_html(' class="{}"', css_class) if css_class else "")

    @staticmethod
    def _text(context: Context, name: str, expression: FilterExpression) -> str:
        value: Any = expression.resolve(context)
        if not isinstance(value, str) or not value.strip():
            raise TemplateSyntaxError(
                f"{{% portal %}}: {name} must be a non-empty string, got {value!r} from "
                f"{expression.token!r}" + (" (the client needs an id to find the teleported "
                                           "element again)" if name == "id" else
                                           " (a CSS selector such as 'body' or '#modals')"))
        return value

    def render(self, context: Context) -> str:
        return self.open_tag(context) + self.nodelist.render(context) + self.close_tag
