"""`{% load liveview %}`: the pieces a page layout needs, for projects writing their own."""
from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..conf import liveview_settings

register = template.Library()


@register.simple_tag(takes_context=True)
def liveview_csrf_meta(context: template.Context) -> SafeString:
    """`<meta name="csrf-token">`, read by the client bundle and checked at websocket join."""
    request = context.get("request")
    if request is None:
        raise template.TemplateSyntaxError(
            "{% liveview_csrf_meta %} needs `request` in the context; render the layout "
            "with a request (the django.template.context_processors.request processor)")
    return format_html('<meta name="csrf-token" content="{}">', get_token(request))


@register.simple_tag
def liveview_title(title: str = "", prefix: str | None = None,
                   suffix: str | None = None) -> SafeString:
    """`<title>` the client updates when `socket.live_title` changes (prefix/suffix kept)."""
    prefix = liveview_settings.TITLE_PREFIX if prefix is None else prefix
    suffix = liveview_settings.TITLE_SUFFIX if suffix is None else suffix
    return format_html('<title data-prefix="{}" data-suffix="{}">{}{}{}</title>',
                       prefix, suffix, prefix, title, suffix)


@register.simple_tag
def liveview_script() -> SafeString:
    """The client bundle (phoenix + phoenix_live_view + bootstrap), deferred."""
    return format_html('<script defer src="{}"></script>', static("liveview/liveview.js"))


@register.simple_tag(takes_context=True)
def liveview_head(context: template.Context, title: str | None = None) -> SafeString:
    """Everything a layout's <head> needs: csrf meta tag, live title, client script."""
    if title is None:
        title = context.get("liveview_title", "")
    return mark_safe("\n".join(
        [liveview_csrf_meta(context), liveview_title(title), liveview_script()]))
