"""`{% load liveview %}`: layout pieces (head, title), live navigation links and flash."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import template
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
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


# Live navigation links (protocol.md §7) -------------------------------------------------------
# `to` is a URL pattern name, reversed with the tag's arguments exactly as {% url %} does, or a
# path/URL (starting with "/", "?" or "#", or holding "://") whose query the keyword arguments
# update. `replace=True` replaces the browser history entry instead of adding one.

def _is_path(to: str) -> bool:
    return to.startswith(("/", "?", "#")) or "://" in to


def _with_query(url: str, params: dict[str, Any]) -> str:
    """`url` with `params` set in its query (None removes a key; lists repeat it)."""
    if not params:
        return url
    def pairs(key: str) -> list[tuple[str, str]]:
        value = params[key]
        values = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
        return [(key, str(v)) for v in values]

    parts = urlsplit(url)
    query: list[tuple[str, str]] = []
    done: set[str] = set()
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in params:
            query.append((key, value))
        elif key not in done:  # replaced where it stood, as {% querystring %} does
            done.add(key)
            query.extend(pairs(key))
    for key in params:
        if key not in done:
            query.extend(pairs(key))
    return urlunsplit(parts._replace(query=urlencode(query)))


def live_href(tag: str, to: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The URL a live link tag points to (see the comment above for the rules)."""
    if not isinstance(to, str) or not to:
        raise template.TemplateSyntaxError(
            f"{{% {tag} %}}: the target must be a URL pattern name or a path, got {to!r}")
    if _is_path(to):
        if args:
            raise template.TemplateSyntaxError(
                f"{{% {tag} %}}: positional arguments go with a URL pattern name, not with the "
                f"path {to!r}; give query parameters as key=value")
        return _with_query(to, kwargs)
    try:
        return reverse(to, args=args, kwargs=kwargs)
    except NoReverseMatch as exc:
        if not kwargs:
            raise
        # The usual slip: query parameters given with a pattern name.
        raise NoReverseMatch(
            f"{{% {tag} %}}: {exc} Keyword arguments given with a URL pattern name are the "
            f"pattern's own (as in {{% url %}}); for query parameters give a path instead: "
            f"{{% url {to!r} as {to.replace(':', '_').replace('-', '_')}_url %}}"
            f"{{% {tag} ... {to.replace(':', '_').replace('-', '_')}_url "
            f"{' '.join(f'{k}=...' for k in kwargs)} %}}") from None


def _link_attrs(tag: str, link: str, to: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> SafeString:
    replace = kwargs.pop("replace", False)
    if not isinstance(replace, bool):
        raise template.TemplateSyntaxError(
            f"{{% {tag} %}}: replace must be True or False, got {replace!r}")
    return format_html('href="{}" data-phx-link="{}" data-phx-link-state="{}"',
                       live_href(tag, to, args, kwargs), link, "replace" if replace else "push")


@register.simple_tag
def live_patch_attrs(to: str, *args: Any, **kwargs: Any) -> SafeString:
    """`href` plus the attributes that make an <a> a live patch (same view, handle_params)."""
    return _link_attrs("live_patch_attrs", "patch", to, args, kwargs)


@register.simple_tag
def live_navigate_attrs(to: str, *args: Any, **kwargs: Any) -> SafeString:
    """`href` plus the attributes that make an <a> a live navigation (another view, no reload)."""
    return _link_attrs("live_navigate_attrs", "redirect", to, args, kwargs)


@register.simple_tag
def live_patch(label: str, to: str, *args: Any, **kwargs: Any) -> SafeString:
    """`<a>` to `to` in the same LiveView: the client sends live_patch, no page load."""
    return format_html("<a {}>{}</a>", _link_attrs("live_patch", "patch", to, args, kwargs),
                       label)


@register.simple_tag
def live_navigate(label: str, to: str, *args: Any, **kwargs: Any) -> SafeString:
    """`<a>` to another LiveView of the same live session, switched without a page load."""
    return format_html("<a {}>{}</a>",
                       _link_attrs("live_navigate", "redirect", to, args, kwargs), label)


# Flash ------------------------------------------------------------------------------------------

@register.simple_tag(takes_context=True)
def live_flash(context: template.Context) -> SafeString:
    """Each flash message as a `role="alert"` element with a button that clears it."""
    flash = context.get("flash") or {}
    return format_html_join(
        "", '<div id="flash-{0}" class="flash flash-{0}" role="alert">{1} '
            '<button type="button" class="flash-close" phx-click="lv:clear-flash" '
            'phx-value-key="{0}" aria-label="Close">×</button></div>', flash.items())

