"""What the client of one joined view holds, kept by the runtime (never on the user's socket).

The tree the client has is what the next render is diffed against; the title sent last is
only sent again when it changes. The view's live components (cids, instances, the trees
the client holds, marks) are in `components`, next to the tree they are diffed with.
"""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from django.core.exceptions import SynchronousOnlyOperation
from django.template.base import Template

from ..components import QUEUED_UPDATES, ComponentRegistry, SendUpdateMixin
from ..conf import liveview_settings
from ..core.diff import diff_tree
from ..core.plan import Plan
from ..core.render import render_bare
from ..core.streams import forget_stream_items
from ..core.tracking import TRACK_KEY, Tracker
from ..core.wire import COMPONENTS, EVENTS, REPLY, TITLE
from ..nested import NESTED_KEY, NestedHost
from ..rendering import always_bare_view, tree_of, view_context
from .hosted import HostedSocket, HostedView


#: The components' table of a view that has none (never changed).
_NO_TABLE: dict[str, Any] = {}


class RenderState:
    """The rendered state of one joined view as its client holds it."""

    __slots__ = ("tree", "title", "components", "dropped_children", "tracker", "_children",
                 "_extra", "_bare", "_bare_known")

    def __init__(self) -> None:
        #: The tree the client holds (None before the join render).
        self.tree: dict[str, Any] | None = None
        #: The title the client shows (None: never sent).
        self.title: str | None = None
        #: The view's live components.
        self.components = ComponentRegistry(tracking=liveview_settings.CHANGE_TRACKING)
        #: Children the last render dropped: their views must stop.
        self.dropped_children: list[str] = []
        #: What the view's last render read (change tracking), None when turned off (each
        #: component has its own, in `components`).
        self.tracker = Tracker() if liveview_settings.CHANGE_TRACKING else None
        self.children = None
        #: The view's template's plan and template when every render of the view is a bare
        #: one (`rendering.always_bare_view`), known after its first render, and its socket's
        #: attributes (its `__dict__`: the queued `send_update`s are looked up there).
        self._bare: tuple[Plan, Template, dict[str, Any]] | None = None
        self._bare_known = False

    @property
    def children(self) -> NestedHost | None:
        """The child LiveViews it renders (`{% live_render %}`), set up at the join."""
        return self._children

    @children.setter
    def children(self, host: NestedHost | None) -> None:
        self._children = host
        # The variables the runtime adds to the view's own render, made once (only read).
        self._extra: dict[str, Any] = {}
        if self.tracker is not None:
            self._extra[TRACK_KEY] = self.tracker
        if host is not None:
            self._extra[NESTED_KEY] = host

    async def render(self, view: HostedView, socket: HostedSocket) -> dict[str, Any]:
        """The view's tree, its components brought up to date (their table goes out with
        the next `full` or `diff`). Rendered tracked: only what changed is evaluated."""
        return await tree_of(self.render_now(view, socket))

    def render_now(self, view: HostedView, socket: HostedSocket
                   ) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """`render`, without a coroutine when nothing has to be awaited: the tree, or an
        awaitable of it.

        A view whose template always renders bare (small, variables and ifs: the bare
        counter) is rendered by `render_bare` straight away, without the component registry
        and the nested host, which its template cannot use: ~8k of a click's instructions
        (bench/README.md, "Session 10"). Its variables are the view's own (`view_context`), without
        the runtime's (`_extra`): no name a template can spell. A render that must go on in
        the ORM's thread (a lazy queryset) takes the usual way, which does that.
        """
        bare = self._bare
        # (`updates_queued`, inlined: a bare view's socket is a SendUpdateMixin.)
        if bare is not None and not bare[2].get(QUEUED_UPDATES):
            try:
                return render_bare(bare[0], bare[1], view_context(socket))
            except SynchronousOnlyOperation:
                pass
        host = self._children
        if host is None:
            return self.components.render_now(view, socket, self._extra)
        tree = self.components.render_now(view, socket, self._extra, host)
        if not isinstance(tree, dict):
            return self._finish_after(tree, host)
        self.dropped_children = host.finish()
        if not self._bare_known:  # (the template is loaded now)
            self._bare_known = True
            if isinstance(socket, SendUpdateMixin):
                plan = always_bare_view(view)
                self._bare = None if plan is None else (*plan, socket.__dict__)
        return tree

    async def _finish_after(self, tree: Awaitable[dict[str, Any]], host: NestedHost
                            ) -> dict[str, Any]:
        rendered = await tree
        self.dropped_children = host.finish()
        return rendered

    def full(self, tree: dict[str, Any], socket: HostedSocket, reply: Any = None
             ) -> dict[str, Any]:
        """The join's `rendered`: the whole tree, with title and pushed events (and `reply`,
        a hook's reply, if not None)."""
        # A copy: title and events must not land in the held tree. The client holds no
        # component any more: each one on the page goes whole.
        return self._sent(dict(tree), tree, socket, self.components.table(root=tree), reply)

    def diff(self, tree: dict[str, Any], socket: HostedSocket, reply: Any = None
             ) -> dict[str, Any]:
        """What changed since the client's tree (maybe empty; `reply`, the reply to a hook's
        pushEvent, goes in it if not None); the client now holds `tree`."""
        diff = diff_tree(self.tree, tree)
        if diff is tree:  # a whole new tree (new statics): the client drops its components
            return self.full(tree, socket, reply)
        # (A view rendered bare has no components: no table to ask for.)
        return self._sent(diff, tree, socket,
                          self.components.table() if self._bare is None else _NO_TABLE, reply)

    def _sent(self, rendered: dict[str, Any], tree: dict[str, Any], socket: HostedSocket,
              table: dict[str, Any], reply: Any) -> dict[str, Any]:
        """`rendered` as it goes out (components, title, pushed events and a hook's reply
        added); the client then holds `tree`. (One step for all of it: every click of every
        view pays it.)"""
        if table:
            rendered[COMPONENTS] = table
        if reply is not None:
            rendered[REPLY] = reply
        if socket.streams:
            # Streamed items are sent once: neither side keeps them (memory stays flat).
            socket.streams.prune()
            tree = forget_stream_items(tree)
        self.tree = tree
        if socket.live_title is not None and socket.live_title != self.title:
            rendered[TITLE] = str(socket.live_title)
            self.title = socket.live_title
        if socket.pending_events:
            rendered[EVENTS] = [[name, value] for name, value in socket.pending_events]
            socket.pending_events.clear()
        return rendered
