"""Finding the LiveView a URL belongs to, with Django's own resolver (no second route table)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import ParseResult, parse_qs, urlparse

from django.urls import Resolver404, resolve

#: Set by `LiveView.as_view()` on the Django view it returns: the LiveView class it serves.
#: Routing finds LiveViews by this mark, so it needs no import of the views layer.
LIVE_VIEW_MARK = "live_view_class"


@dataclass(frozen=True)
class LiveRoute:
    """A URL resolved to a LiveView class, its as_view() kwargs and the URL's kwargs."""

    view_class: type[Any]  # a LiveView class (routing cannot import the views layer)
    initkwargs: dict[str, Any]
    kwargs: dict[str, Any]
    url: ParseResult


def dotted_path(cls: type) -> str:
    """`module.ClassName`, how session tokens name a view."""
    return f"{cls.__module__}.{cls.__qualname__}"


def resolve_live(url: str) -> LiveRoute | None:
    """The LiveView that `url` (absolute or a path) routes to, or None."""
    try:
        parsed = urlparse(url)._replace(fragment="")
        match = resolve(parsed.path or "/")
    except (Resolver404, ValueError):  # ValueError: an unparsable URL such as "http://[::1/"
        return None
    view_class = getattr(match.func, LIVE_VIEW_MARK, None)
    if not isinstance(view_class, type):
        return None
    return LiveRoute(view_class, dict(getattr(match.func, "view_initkwargs", {})),
                     dict(match.kwargs), parsed)


def route_params(query: str, kwargs: dict[str, Any]) -> dict[str, list[Any]]:
    """`handle_params` params: query values as lists (blanks kept), URL kwargs merged in."""
    params: dict[str, list[Any]] = parse_qs(query, keep_blank_values=True)
    for name, value in kwargs.items():
        params[name] = [value]
    return params
