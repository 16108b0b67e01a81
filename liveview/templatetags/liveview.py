"""`{% load liveview %}`: layout pieces (head, title), live navigation links, flash, uploads,
`{% live_key %}` for keyed loops and `{% live_render %}` for child LiveViews."""
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
from ..core.components import TAG as LIVE_COMPONENT_TAG, live_component
from ..core.keyed import TAG as LIVE_KEY_TAG, live_key
from . import _client

register = template.Library()

# `{% for row in rows %}{% live_key row.id %}…{% endfor %}`: the loop's entries are diffed
# by key (see liveview.core.keyed). The tag renders nothing.
register.tag(LIVE_KEY_TAG, live_key)
# JS commands, portals and colocated hooks (docs/js-commands.md); the code is in _client.py.
register.simple_tag(_client.js, name="js")
register.tag("portal", _client.do_portal)
register.tag("colocated_hook", _client.do_colocated_hook)
# `{% live_component "app.components.Row" id=row.id row=row %}`: a live component's cid
# (see liveview.core.components and docs/components.md).
register.tag(LIVE_COMPONENT_TAG, live_component)


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
    """The client bundle (phoenix + phoenix_live_view + bootstrap), deferred.

    Client options set in settings ride on the tag itself (no inline script, so a strict
    Content-Security-Policy still allows it): the long-poll fallback delay.
    """
    fallback_ms = liveview_settings.LONGPOLL_FALLBACK_MS
    return format_html('<script defer src="{}"{}></script>', static("liveview/liveview.js"),
                       format_html(' data-longpoll-fallback-ms="{}"', int(fallback_ms))
                       if fallback_ms else "")


@register.simple_tag(takes_context=True)
def liveview_head(context: template.Context, title: str | None = None) -> SafeString:
    """Everything a layout's <head> needs: csrf meta tag, live title, the built colocated
    hooks (when there are any), client script."""
    if title is None:
        title = context.get("liveview_title") or ""
    return mark_safe("\n".join(
        [liveview_csrf_meta(context), liveview_title(title), *_client.colocated_hooks_script(),
         liveview_script()]))


# Nested LiveViews (docs/nested.md) ---------------------------------------------------------------

@register.simple_tag(takes_context=True)
def live_render(context: template.Context, view: Any, **options: Any) -> SafeString:
    """`{% live_render "myapp.views.Sidebar" id="sidebar" session=... sticky=False %}`: a
    child LiveView here (its container; its own markup when the page is first rendered)."""
    from ..nested import NESTED_KEY, TAG, USAGE

    host = context.get(NESTED_KEY)
    if host is None:
        raise template.TemplateSyntaxError(
            f"{{% {TAG} %}} rendered outside a LiveView's own template (a live component's "
            f"template or a plain Django page cannot hold a child LiveView). Usage: {USAGE}")
    return host.place(view, options)


# Live navigation links (docs/internals.md, "Navigation") ----------------------------------------
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


# Uploads ----------------------------------------------------------------------------------------

def _extra_attrs(tag: str, attrs: dict[str, Any], reserved: set[str]) -> SafeString:
    """Keyword arguments as HTML attributes: `phx_drop_target="x"` → `phx-drop-target="x"`."""
    parts = []
    for key, value in attrs.items():
        name = key.replace("_", "-")
        if name in reserved:
            raise template.TemplateSyntaxError(
                f"{{% {tag} %}}: {name!r} is set by the tag itself; not overridable "
                f"(set: {', '.join(sorted(reserved))})")
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False and value is not None:
            parts.append(format_html(' {}="{}"', name, value))
    return mark_safe("".join(parts))


@register.simple_tag
def live_file_input(config: Any, **attrs: Any) -> SafeString:
    """The `<input type="file">` of an upload, with every attribute the client needs."""
    from ..uploads import UploadConfig

    if not isinstance(config, UploadConfig):
        raise template.TemplateSyntaxError(
            f"{{% live_file_input %}} needs the UploadConfig returned by "
            f"socket.allow_upload(), got {type(config).__name__}")
    reserved = {"id", "type", "name", "accept", "multiple", "data-phx-hook",
                "data-phx-upload-ref", "data-phx-active-refs", "data-phx-done-refs",
                "data-phx-preflighted-refs", "data-phx-error-refs", "data-phx-auto-upload"}
    accept = config.constraints.accept_attribute
    error_refs = config.error_refs
    return format_html(
        '<input id="{ref}" type="file" name="{name}"{accept} '
        'data-phx-hook="Phoenix.LiveFileUpload" data-phx-upload-ref="{ref}" '
        'data-phx-active-refs="{active}" data-phx-done-refs="{done}" '
        'data-phx-preflighted-refs="{preflighted}"{errors}{auto}{multiple}{extra}>',
        ref=config.ref, name=config.name,
        accept=format_html(' accept="{}"', accept) if accept else "",
        active=config.active_refs, done=config.done_refs,
        preflighted=config.preflighted_refs,
        errors=format_html(' data-phx-error-refs="{}"', error_refs) if error_refs else "",
        auto=mark_safe(" data-phx-auto-upload") if config.auto_upload else "",
        multiple=mark_safe(" multiple") if config.max_files > 1 else "",
        extra=_extra_attrs("live_file_input", attrs, reserved))


@register.simple_tag
def live_img_preview(entry: Any, **attrs: Any) -> SafeString:
    """An `<img>` showing a selected image from the browser's memory, before any upload."""
    from ..uploads import UploadEntry

    if not isinstance(entry, UploadEntry):
        raise template.TemplateSyntaxError(
            f"{{% live_img_preview %}} needs an entry of an UploadConfig's entries, "
            f"got {type(entry).__name__}")
    reserved = {"id", "src", "data-phx-upload-ref", "data-phx-entry-ref", "data-phx-hook",
                "data-phx-update"}
    return format_html(
        '<img id="phx-preview-{ref}" data-phx-upload-ref="{upload_ref}" '
        'data-phx-entry-ref="{ref}" data-phx-hook="Phoenix.LiveImgPreview" '
        'data-phx-update="ignore"{extra}>',
        ref=entry.ref, upload_ref=entry.upload_ref,
        extra=_extra_attrs("live_img_preview", attrs, reserved))
