"""The client-side tags of `{% load liveview %}`: `{% js %}`, `{% portal %}` and
`{% colocated_hook %}` (registered by liveview.py; see docs/js-commands.md).

No `register` here on purpose: Django would otherwise offer this module as a tag library
of its own."""
from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.template.base import FilterExpression, Parser, Token, TokenType
from django.template.defaulttags import token_kwargs  # type: ignore[attr-defined]

from ..colocated import STATIC_PATH, ColocatedHookNode, check_hook, is_built
from ..core.portal import PortalNode
from ..js import JS, command


def js(*args: Any, **options: Any) -> JS:
    """`{% js "show" to="#modal" %}`: a JS command built in the template.

    The first argument is the command (a method of liveview.JS), then its positional
    arguments, then its options. Start with a JS value to extend it, and use `as` to name the
    result: `{% js open "focus_first" to="#modal" as open %}`."""
    base = None
    if args and isinstance(args[0], JS):
        base, args = args[0], args[1:]
    if not args or not isinstance(args[0], str):
        raise template.TemplateSyntaxError(
            "{% js %} needs a command name first (optionally after a JS value to extend), "
            "e.g. {% js 'show' to='#modal' %} or {% js open_modal 'focus_first' to='#modal' %}"
            f"; got {', '.join(repr(a) for a in args) or 'no arguments'}")
    name, *rest = args
    try:
        return command(name, base)(*rest, **options)
    except TypeError as exc:
        raise template.TemplateSyntaxError(f"{{% js %}}: {exc}") from None


_PORTAL_OPTIONS = ("id", "target", "class", "container")


def do_portal(parser: Parser, token: Token) -> PortalNode:
    """`{% portal id="modal-portal" target="body" %}...{% endportal %}`."""
    bits = token.split_contents()[1:]
    options = token_kwargs(bits, parser, support_legacy=False)
    unknown = sorted(set(options) - set(_PORTAL_OPTIONS))
    if bits or unknown:
        raise template.TemplateSyntaxError(
            f"{{% portal %}} takes key=value options only ({', '.join(_PORTAL_OPTIONS)}; id is "
            f"required, target defaults to \"body\"), got {token.contents!r}")
    if "id" not in options:
        raise template.TemplateSyntaxError(
            f"{{% portal %}} needs id=\"...\": the client finds the teleported element by it; "
            f"got {token.contents!r}")
    container = options.get("container")
    if container is not None and not _literal(container):
        raise template.TemplateSyntaxError(
            "{% portal %}: container must be a quoted tag name such as \"section\" (the closing "
            f"tag is written when the template is compiled), got {container.token!r}")
    nodelist = parser.parse(("endportal",))
    parser.delete_first_token()
    return PortalNode(nodelist, options["id"],
                      options.get("target") or FilterExpression('"body"', parser),
                      options.get("class"), str(container.var) if container else "div")


def _literal(expression: FilterExpression) -> bool:
    return isinstance(expression.var, str) and not expression.filters


def do_colocated_hook(parser: Parser, token: Token) -> ColocatedHookNode:
    """`{% colocated_hook "app.Name" %}export default {...}{% endcolocated_hook %}`."""
    origin = getattr(parser.origin, "template_name", None) or "a template"
    where = f"{{% colocated_hook %}} in {origin}"
    bits = token.split_contents()
    if len(bits) != 2 or len(bits[1]) < 2 or bits[1][0] not in "\"'" or \
            bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(
            f"{where} takes one quoted hook name (the build reads it without a context), "
            f"e.g. {{% colocated_hook \"shop.Dropdown\" %}}; got {token.contents!r}")
    name = bits[1][1:-1]
    # The body is JavaScript, kept as written: read the raw tokens up to the end tag rather
    # than parsing them as template code.
    parts: list[str] = []
    while True:
        if not parser.tokens:
            raise template.TemplateSyntaxError(f"{where}: no {{% endcolocated_hook %}} for "
                                               f"hook {name!r}")
        body_token = parser.next_token()
        if body_token.token_type == TokenType.BLOCK and \
                body_token.contents == "endcolocated_hook":
            break
        if body_token.token_type != TokenType.TEXT:
            raise template.TemplateSyntaxError(
                f"{where}: hook {name!r} contains template syntax "
                f"({body_token.token_type.name.lower()} {body_token.contents!r}); the code is "
                f"JavaScript and is not rendered: write '{{ {{' with a space, or pass data "
                f"through data-* attributes of the hook's element")
        parts.append(body_token.contents)
    code = "".join(parts)
    check_hook(name, code, where)
    return ColocatedHookNode(name, code)


def colocated_hooks_script() -> list[str]:
    """`<script defer>` of the built colocated hooks, or nothing when there is no build.

    Deferred like the client bundle and written before it, so the hooks are on
    window.liveviewHooks when the client starts."""
    if not is_built():
        return []
    return [format_html('<script defer src="{}"></script>', static(STATIC_PATH))]
