"""Child LiveViews placed by `{% live_render %}`: what one view rendered, render after render.

    {% live_render "myapp.views.Sidebar" id="sidebar" session=sidebar_session %}

A child is a LiveView of its own (own state, own handlers, own `lv:<id>` topic on the page's
websocket). Its parent's template only holds the child's *container*: an element with the
child's id and a signed session token naming the class, the parent, the root of the tree,
the `session` dict for the child's mount and whether it is sticky. The client joins the
child on its own topic; the server accepts that join only while the parent, joined on the
same websocket, renders it (the token binds the parent's id). A sticky child has no parent:
it is a root of its own whose container the client keeps across live navigation.

`NestedHost` is what the tag talks to (found in the template context under `NESTED_KEY`):
the connected render's host returns the empty container and remembers, from one render to
the next, which children the view renders (so the runtime stops those it dropped); the
HTTP render's host returns a placeholder that the page replaces with the child's own HTML.
"""
from __future__ import annotations

import json
import re
import secrets
from collections import ChainMap
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

from .exceptions import NestedViewError
from .routing import dotted_path
from .tokens import SessionToken, active_locale, sign_session

#: Where the host sits in a template context (a name templates cannot spell).
NESTED_KEY = "_liveview_nested"
TAG = "live_render"
USAGE = ('{% live_render "myapp.views.Sidebar" id="sidebar" session=some_dict sticky=False '
         'container="aside" class="..." %}')
#: Child ids become DOM ids and topic names: kept to a plain, bounded alphabet.
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,99}$")
#: Attributes the container's own markup sets; not overridable from the tag.
RESERVED_ATTRS = frozenset({"id", "data-phx-session", "data-phx-static", "data-phx-parent-id",
                            "data-phx-sticky", "data-phx-main", "data-phx-root-id"})


def resolve_view(spec: Any) -> type:
    """The LiveView class `spec` names (a class, or its dotted path)."""
    cls = spec
    if isinstance(spec, str):
        try:
            cls = import_string(spec)
        except ImportError as exc:
            raise NestedViewError(f"{{% {TAG} %}}: cannot import {spec!r} ({exc})") from None
    # The views layer sits above this module: recognise a LiveView by what the runtime uses.
    if not isinstance(cls, type) or not all(
            hasattr(cls, name) for name in ("socket_class", "live_session", "mount", "render",
                                            "container_tag")):
        raise NestedViewError(f"{{% {TAG} %}}: {spec!r} is not a LiveView class")
    return cls


@dataclass(frozen=True)
class ChildSpec:
    """One `{% live_render %}` occurrence, as rendered."""

    id: str
    view_class: type
    session: dict[str, Any]
    sticky: bool
    tag: str
    attrs: SafeString  # the extra container attributes, already formatted

    @property
    def view_path(self) -> str:
        return dotted_path(self.view_class)

    def key(self) -> tuple[Any, ...]:
        """What decides the container's markup (same key: same markup, no diff)."""
        return (self.view_path, json.dumps(self.session, sort_keys=True), self.sticky,
                self.tag, str(self.attrs))


def child_spec(spec: Any, options: dict[str, Any]) -> ChildSpec:
    """Check the tag's arguments (id, session, sticky, container, attributes)."""
    options = dict(options)
    child_id = options.pop("id", None)
    if isinstance(child_id, int) and not isinstance(child_id, bool):
        child_id = f"{child_id}"
    if not isinstance(child_id, str) or not _ID.match(child_id):
        raise NestedViewError(
            f"{{% {TAG} %}} needs id=\"...\": a letter then up to 99 letters, digits, '-' or "
            f"'_', unique on the page (it is the child's DOM id and topic); got "
            f"{child_id!r}. Usage: {USAGE}")
    session = options.pop("session", None)
    if session is None:
        session = {}
    if not isinstance(session, dict) or not all(isinstance(k, str) for k in session):
        raise NestedViewError(f"{{% {TAG} %}} id={child_id!r}: session must be a dict with "
                              f"string keys, got {type(session).__name__}")
    try:
        json.dumps(session)
    except (TypeError, ValueError) as exc:
        raise NestedViewError(
            f"{{% {TAG} %}} id={child_id!r}: the session is signed into the page as JSON "
            f"(and readable by the client): {exc}; pass ids and strings, not objects") from None
    sticky = options.pop("sticky", False)
    if not isinstance(sticky, bool):
        raise NestedViewError(f"{{% {TAG} %}} id={child_id!r}: sticky must be True or False")
    view_class = resolve_view(spec)
    tag = options.pop("container", None) or view_class.container_tag  # type: ignore[attr-defined]
    if not isinstance(tag, str) or not re.match(r"^[a-z][a-z0-9-]*$", tag):
        raise NestedViewError(f"{{% {TAG} %}} id={child_id!r}: container must be a tag name "
                              f"such as \"aside\", got {tag!r}")
    return ChildSpec(child_id, view_class, session, sticky, tag, _attrs(child_id, options))


def _attrs(child_id: str, options: dict[str, Any]) -> SafeString:
    pairs = []
    for key, value in options.items():
        name = key.rstrip("_").replace("_", "-")  # class_="x" or class="x"; data_x → data-x
        if name in RESERVED_ATTRS:
            raise NestedViewError(f"{{% {TAG} %}} id={child_id!r}: {name!r} is set by the tag "
                                  f"itself")
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9:._-]*$", name):
            raise NestedViewError(f"{{% {TAG} %}} id={child_id!r}: {key!r} is not an "
                                  f"attribute name")
        if value is True:
            pairs.append((name, ""))
        elif value is not False and value is not None:
            pairs.append((name, value))
    return format_html_join("", ' {}="{}"', pairs)


def container(spec: ChildSpec, token: str, *, parent_id: str | None, static: str = "",
              inner: str = "") -> SafeString:
    """The child's container element, as the client expects it (`inner`: trusted HTML)."""
    return format_html(
        '<{tag} id="{id}" data-phx-session="{session}" data-phx-static="{static}"{rel}{attrs}>'
        '{inner}</{tag}>',
        tag=spec.tag, id=spec.id, session=token, static=static,
        rel=mark_safe(" data-phx-sticky") if spec.sticky
        else format_html(' data-phx-parent-id="{}"', parent_id),
        attrs=spec.attrs, inner=mark_safe(inner))


class NestedHost:
    """The children one view renders (see the module docstring).

    `begin()` starts a render (and starts it over, when a render is retried); the tag calls
    `place()`; `finish()` ends it and says which children are gone since the last render.
    """

    __slots__ = ("parent_id", "root_id", "live_session", "children", "_placed", "_markup",
                 "_idle")

    def __init__(self, parent_id: str, root_id: str, live_session: str) -> None:
        self.parent_id = parent_id
        self.root_id = root_id
        self.live_session = live_session
        #: The children of the last finished render, by id.
        self.children: dict[str, ChildSpec] = {}
        self._placed: dict[str, ChildSpec] = {}
        self._markup: dict[str, tuple[tuple[Any, ...], SafeString]] = {}
        #: True while `children`, `_placed` and `_markup` are all empty (most views have no
        #: children): every render of such a view tests this one flag rather than reading
        #: three dicts it owns (each a cache miss under load: docs/internals.md).
        self._idle = True

    def begin(self) -> None:
        if not self._idle and self._placed:  # (an empty one is as good as new)
            self._placed = {}

    def place(self, spec: Any, options: dict[str, Any]) -> SafeString:
        """What `{% live_render %}` renders for this occurrence."""
        child = child_spec(spec, options)
        if child.id in self._placed:
            raise NestedViewError(
                f"{{% {TAG} %}}: two child LiveViews with id={child.id!r} in one render; ids "
                f"must be unique (they are DOM ids and topics)")
        self._idle = False
        self._placed[child.id] = child
        return self.render_child(child)

    def token(self, child: ChildSpec) -> str:
        """The child's signed session token, bound to this parent (or to itself if sticky)."""
        return sign_session(SessionToken(
            child.id, child.view_path, self.live_session,
            parent=None if child.sticky else self.parent_id,
            root=child.id if child.sticky else self.root_id,
            session=child.session, sticky=child.sticky, **active_locale()))

    def render_child(self, child: ChildSpec) -> SafeString:
        """Connected render: the empty container (the child renders itself once joined).
        The same child renders the same markup (token included), so it costs no diff."""
        key = child.key()
        held = self._markup.get(child.id)
        if held is not None and held[0] == key:
            return held[1]
        markup = container(child, self.token(child), parent_id=self.parent_id)
        self._markup[child.id] = (key, markup)
        return markup

    def finish(self) -> list[str]:
        """End the render: the ids of the (non-sticky) children it no longer renders.
        Their views must stop: the client leaves them too when their container goes."""
        if self._idle:  # a view without children
            return []
        placed = self._placed
        gone = [child_id for child_id, child in self.children.items()
                if child_id not in placed and not child.sticky]
        self.children = placed
        self._placed = {}  # (never `children` itself: `begin` keeps an empty one)
        for child_id in list(self._markup):
            if child_id not in placed:
                del self._markup[child_id]
        self._idle = not (placed or self._markup)
        return gone

    def renders(self, child_id: str) -> bool:
        """Whether the last render placed a (non-sticky) child with this id."""
        child = self.children.get(child_id)
        return child is not None and not child.sticky


class InlineHost(NestedHost):
    """The HTTP render's host: each child is a placeholder the page replaces with the child's
    own HTML (mounted and rendered in the same request; visible without JavaScript)."""

    def __init__(self, parent_id: str, root_id: str, live_session: str) -> None:
        super().__init__(parent_id, root_id, live_session)
        self._nonce = secrets.token_hex(8)

    def render_child(self, child: ChildSpec) -> SafeString:
        return mark_safe(self.placeholder(child.id))

    def placeholder(self, child_id: str) -> str:
        # An HTML comment with a per-request nonce: escaped user content cannot forge it.
        return f"<!--liveview-child:{self._nonce}:{child_id}-->"


class Placing:
    """A view rendered with a host: every render attempt (`rendering.render_now` may start
    one over in the ORM's thread) begins the host's pass again, so a retry does not see
    duplicates."""

    __slots__ = ("view", "host")

    def __init__(self, view: Any, host: NestedHost) -> None:
        self.view, self.host = view, host

    def render(self, context: dict[str, Any]) -> Any:
        self.host.begin()
        return self.view.render(context)


def nested_session(own: dict[str, Any] | None, session: Any) -> Any:
    """What a nested view's mount gets as `session`: the `session=` dict of its
    `{% live_render %}` over the user's Django session (the dict's keys win)."""
    if session is None:
        return dict(own or {})
    return ChainMap(dict(own or {}), session)
