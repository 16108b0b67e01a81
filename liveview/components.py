"""The live components of one view: cids, instances, sockets, last assigns, held trees, marks.

One `ComponentRegistry` per rendered view. The connected view's lives in the runtime's
`RenderState`, next to the view's tree; the HTTP render uses a throwaway one (components
render inline, nothing is kept). It is the `ComponentHost` the templates' component slots
call (`liveview.core.components`), and it drives the lifecycle, as Phoenix does:

1. the parent renders; each `{% live_component %}` slot returns its cid at once (a new
   (class, id) gets the next cid, never reused) and records the occurrence;
2. new components are mounted; those whose assigns changed (compared with the last ones,
   see `core.components.snapshot`) get `update` (or their class's `update_many`, one call
   per class); then they render, which may place further (nested) components: repeat;
3. queued `send_update`s run `update` on their component; components touched by an event
   or an update render again;
4. `table()` gives the `"c"` of the diff (pure: `core.components.component_table`).

Components are identified by (class, id) within the view, and by cid on the wire.
Removal is driven by the client: `cids_will_destroy` marks, `cids_destroyed` deletes what is
still marked (a marked component rendered again in between is unmarked and sent whole).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import SynchronousOnlyOperation
from django.utils.module_loading import import_string

from . import pubsub, signals, telemetry
from .callbacks import call_user
from .core.tracking import TRACK_KEY, Tracker
from .core.components import (
    HOST_KEY,
    UNCOMPARABLE,
    compare_assigns,
    component_table,
    reachable_cids,
)
from .events import InfoEvent
from .nested import NestedHost
from .rendering import render_again, render_now, tree_of, tree_or_awaitable, view_context

logger = logging.getLogger(__name__)

#: Marks a pub/sub or timer payload as a component update, not a message for handle_info.
UPDATE_MARK = "__liveview_send_update__"
#: The InfoEvent name of delayed updates (send_update_after).
UPDATE_EVENT = "liveview:send_update"
#: Lifecycle rounds (render, place, update, render...) before a render pass gives up.
MAX_ROUNDS = 100


class ComponentError(RuntimeError):
    """A component used wrongly in a template or a send_update."""


@dataclass
class ComponentUpdate:
    """A queued `send_update`: `target` is a component class, its dotted path, or a cid."""

    target: Any
    id: Any
    assigns: dict[str, Any]


def as_update_info(update: ComponentUpdate) -> InfoEvent:
    """The InfoEvent a delayed or remote update travels in (handled by the runtime)."""
    return InfoEvent(UPDATE_EVENT, {UPDATE_MARK: [update.target, update.id, update.assigns]})


def update_from_info(event: Any) -> ComponentUpdate | None:
    """The component update carried by an InfoEvent (pub/sub or timer), or None."""
    payload = getattr(event, "payload", None)
    if isinstance(payload, dict) and UPDATE_MARK in payload:
        target, id_, assigns = payload[UPDATE_MARK]
        return ComponentUpdate(target, id_, dict(assigns))
    return None


def _update(component: Any, id: Any, assigns: dict[str, Any]) -> ComponentUpdate:
    if isinstance(component, int) and not isinstance(component, bool):
        return ComponentUpdate(component, None, assigns)
    if id is None:
        raise TypeError("send_update needs id=... (or a cid, e.g. the component's myself)")
    resolve_component(component)  # fail in the caller, not later in the view
    return ComponentUpdate(component, id, assigns)


#: Where `SendUpdateMixin` keeps its queue (made on first use) in the socket's `__dict__`.
QUEUED_UPDATES = "_component_updates"


def updates_queued(socket: Any) -> bool:
    """Whether `socket`'s handlers queued component updates (`send_update`), without making
    its queue when it has none."""
    queued = socket.__dict__.get(QUEUED_UPDATES) if isinstance(socket, SendUpdateMixin) \
        else getattr(socket, "component_updates", None)
    return bool(queued)


class SendUpdateMixin:
    """`send_update` / `send_update_after` / `send_info` for the connected view socket."""

    _timers: Any
    _mailbox: Any

    @property
    def component_updates(self) -> list[ComponentUpdate]:
        """Updates queued by this view's handlers, applied by the runtime after each one."""
        queued = self.__dict__.get(QUEUED_UPDATES)
        if queued is None:
            queued = self.__dict__[QUEUED_UPDATES] = []
        return queued

    def send_update(self, component: Any, id: Any = None, **assigns: Any) -> None:
        """Run `update` of the component (class or dotted path, and its `id`; or its cid)
        of this view with `assigns`, then render it: after the current handler."""
        self.component_updates.append(_update(component, id, assigns))

    def send_update_after(self, component: Any, id: Any = None, seconds: float = 0,
                          **assigns: Any) -> None:
        """`send_update` after `seconds` (through the view's mailbox; gone with the view)."""
        self._timers.schedule(as_update_info(_update(component, id, assigns)), seconds,
                              repeat=False)

    def send_info(self, name: str, payload: Any = None) -> None:
        """Deliver `InfoEvent(name, payload)` to this view's `handle_info`, after the current
        handler (how a component tells its view, as Phoenix's `send(self(), msg)`)."""
        self._mailbox.post_info(InfoEvent(name, payload))


async def send_update(topic: str, component: Any, id: Any, **assigns: Any) -> None:
    """Update component (`component`, `id`) in every view subscribed to `topic`, in every
    process: each such view that renders that component runs its `update(assigns)` and
    sends the new render. Views without it ignore the message. The component goes by its
    dotted path and `assigns` must survive msgpack, as any broadcast.
    """
    await pubsub.broadcast(topic, _remote_payload(component, id, assigns))


def send_update_sync(topic: str, component: Any, id: Any, **assigns: Any) -> None:
    """`send_update` for sync code (signals, management commands, sync views)."""
    pubsub.broadcast_sync(topic, _remote_payload(component, id, assigns))


def _remote_payload(component: Any, id: Any, assigns: dict[str, Any]) -> dict[str, Any]:
    cls = resolve_component(component)
    return {UPDATE_MARK: [f"{cls.__module__}.{cls.__qualname__}", id, assigns]}


def resolve_component(spec: Any) -> type:
    """The component class `spec` names (a class, or its dotted path)."""
    cls = spec
    if isinstance(spec, str):
        cls = _imported.get(spec)
        if cls is None:
            try:
                cls = import_string(spec)
            except ImportError as exc:
                raise ComponentError(f"component {spec!r} cannot be imported: {exc}") from None
    if not (isinstance(cls, type) and getattr(cls, "__liveview_component__", False)):
        raise ComponentError(f"{spec!r} is not a LiveComponent class (give a LiveComponent "
                             f"subclass or its dotted path)")
    if isinstance(spec, str):
        _imported[spec] = cls
    return cls


_imported: dict[str, type] = {}


class ComponentSocketFactory(Protocol):
    """How a component class builds the socket of one of its components."""

    def __call__(self, *, parent: Any, cid: int, id: Any) -> Any: ...


@dataclass(eq=False)
class _Component:
    cid: int
    cls: type
    id: Any
    instance: Any = None
    socket: Any = None
    #: Snapshot of the last assigns its parent gave (None: not updated yet).
    assigns: Any = None
    #: The tree the client holds (None: it holds nothing yet).
    tree: dict[str, Any] | None = None
    #: What its last render read (change tracking; None: rendered whole every time). Goes
    #: with the entry: a removed component's state, tracker included, is never reused.
    tracker: Tracker | None = None
    marked: bool = False
    dirty: bool = False
    mounted: bool = False


@dataclass(eq=False, slots=True)
class _Pass:
    """One render pass: what was placed, what rendered, what must go whole."""

    rendered: dict[int, dict[str, Any]] = field(default_factory=dict)
    whole: set[int] = field(default_factory=set)
    pending: list[tuple[_Component, dict[str, Any]]] = field(default_factory=list)
    placed: dict[tuple[type, Any], tuple[int, int]] = field(default_factory=dict)
    renderer: int = 0
    serial: int = 0
    #: Whether a render placed or rendered a component in it (else it is as good as new).
    #: Set by `ComponentRegistry.component` and `_render_component`: a view without
    #: components tests this flag at every render rather than reading the pass's four
    #: containers (each a cache miss under load: docs/internals.md).
    touched: bool = False


class _Attempt:
    """One render of a view or component, which `render_now` may start over (in the ORM's
    thread, after SynchronousOnlyOperation): what a failed attempt placed is forgotten, its
    components here and its child LiveViews in `host` (whose pass each attempt begins)."""

    __slots__ = ("current", "renderable", "renderer", "host", "start", "serial")

    def __init__(self, current: _Pass, renderable: Any, renderer: int,
                 host: NestedHost | None = None) -> None:
        self.current, self.renderable, self.renderer, self.host = (current, renderable,
                                                                   renderer, host)
        self.start = len(current.pending)
        self.serial: int | None = None

    def render(self, context: dict[str, Any]) -> Any:
        current = self.current
        if self.serial is not None:  # started over: the first attempt's placements go
            del current.pending[self.start:]
            mine = (self.renderer, self.serial)
            for key in [key for key, where in current.placed.items() if where == mine]:
                del current.placed[key]
        current.serial += 1
        self.serial = current.serial
        current.renderer = self.renderer
        if self.host is not None:
            self.host.begin()
        return self.renderable.render(context)


class ComponentRegistry:
    """The components of one view (see the module docstring)."""

    __slots__ = ("_tracking", "_next_cid", "_by_key", "_by_cid", "_socket", "_pass")

    def __init__(self, tracking: bool = False) -> None:
        #: Whether components render change-tracked (the connected view's registry).
        self._tracking = tracking
        self._next_cid = 1
        self._by_key: dict[tuple[type, Any], _Component] = {}
        self._by_cid: dict[int, _Component] = {}
        self._socket: Any = None
        self._pass = _Pass()

    def __len__(self) -> int:
        return len(self._by_cid)

    @property
    def cids(self) -> list[int]:
        """The cids with server state (for tests and debugging)."""
        return sorted(self._by_cid)

    def instance(self, cid: int) -> Any:
        """The component instance of `cid`, or None."""
        entry = self._by_cid.get(cid)
        return entry.instance if entry is not None else None

    # Rendering -------------------------------------------------------------------------------
    async def render(self, view: Any, socket: Any, extra: dict[str, Any] | None = None,
                     host: NestedHost | None = None) -> dict[str, Any]:
        """The view's tree; every component it (or a component) places is brought up to date.
        `extra`: more template variables for the view's own render, not its components' (its
        change tracker, its nested-view host); `host`: where its `{% live_render %}` children
        are placed (its pass begins with every attempt at the render)."""
        return await tree_of(self.render_now(view, socket, extra, host))

    def render_now(self, view: Any, socket: Any, extra: dict[str, Any] | None = None,
                   host: NestedHost | None = None
                   ) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """`render`, without a coroutine when nothing has to be awaited (every click of a view
        without components): the tree, or an awaitable of it."""
        self._socket = socket
        current = self._pass
        if current.touched:  # (a view without components renders in the same pass again)
            current = self._pass = _Pass()
        context = view_context(socket, extra)
        context[HOST_KEY] = self
        # The first attempt of `_Attempt(current, view, 0, host)` under `rendering.render_now`,
        # inline (three calls and an object less on every click): made only to start over.
        # The pass is unused here, so the attempt's placements start at 0.
        current.serial += 1
        serial = current.serial
        current.renderer = 0
        if host is not None:
            host.begin()
        tree: dict[str, Any] | Awaitable[dict[str, Any]]
        try:
            rendered = view.render(context)
        except SynchronousOnlyOperation:
            attempt = _Attempt(current, view, 0, host)
            attempt.start, attempt.serial = 0, serial
            tree = render_again(attempt, context)
        else:
            tree = rendered if type(rendered) is dict else tree_or_awaitable(rendered)
        # Settled as it is: no component placed or alive, no update queued (every click of a
        # view without components); else `_settle` looks closer.
        if isinstance(tree, dict) and not (current.touched or self._by_cid) and \
                not updates_queued(socket):
            return tree
        return self._settle_after(tree, socket)

    async def _settle_after(self, tree: dict[str, Any] | Awaitable[dict[str, Any]],
                            socket: Any) -> dict[str, Any]:
        root = await tree_of(tree)
        await self._settle(socket, root)
        return root

    def component(self, spec: Any, assigns: dict[str, Any]) -> int:
        """`ComponentHost.component`: the cid of this occurrence (its lifecycle runs later)."""
        cls = resolve_component(spec)
        key = (cls, assigns["id"])
        try:
            hash(key)
        except TypeError:
            raise ComponentError(
                f"{cls.__qualname__}: id={assigns['id']!r} is not hashable") from None
        current = self._pass
        current.touched = True
        placed = current.placed.get(key)
        if placed is not None and (placed[0] != current.renderer or placed[1] == current.serial):
            raise ComponentError(
                f"{cls.__qualname__} with id={assigns['id']!r} is placed twice in one render; "
                f"each component of a class needs its own id within the view")
        current.placed[key] = (current.renderer, current.serial)
        entry = self._by_key.get(key)
        if entry is None:
            entry = _Component(self._next_cid, cls, key[1],
                               tracker=Tracker() if self._tracking else None)
            self._next_cid += 1
            self._by_key[key] = entry
            self._by_cid[entry.cid] = entry
        elif entry.marked:
            # The client reset it (cids_will_destroy) but it is back: it gets it whole again.
            entry.marked = False
            current.whole.add(entry.cid)
        current.pending.append((entry, assigns))
        return entry.cid

    async def _settle(self, socket: Any, root: dict[str, Any]) -> None:
        current = self._pass
        for _ in range(MAX_ROUNDS):
            if current.pending:
                batch, current.pending = current.pending, []
                await self._update_batch(batch)
                for entry, _assigns in batch:
                    if entry.dirty or entry.cid in current.whole or entry.tree is None:
                        await self._render_component(entry)
                continue
            updates = getattr(socket, "component_updates", None)
            if updates:
                queued = list(updates)
                updates.clear()
                await self._apply_updates(queued)
                continue
            dirty = [entry for entry in self._by_cid.values() if entry.dirty]
            if dirty:
                # Only those still on the page (placed by a component that did not render
                # again); one its parent dropped stays dirty until it is placed again.
                dirty = [entry for entry in dirty if entry.cid in self._on_page(root)]
            if not dirty:
                return
            for entry in dirty:
                await self._render_component(entry)
        raise ComponentError(f"components still changing after {MAX_ROUNDS} rounds of "
                             f"render and update (does an update send_update itself?)")

    def _on_page(self, root: dict[str, Any]) -> set[int]:
        rendered = self._pass.rendered
        trees = {cid: tree for cid, entry in self._by_cid.items()
                 if (tree := rendered.get(cid, entry.tree)) is not None}
        return reachable_cids(root, trees)

    async def _update_batch(self, batch: list[tuple[_Component, dict[str, Any]]]) -> None:
        """Mount the new components of `batch`, update those whose assigns changed."""
        by_class: dict[type, list[tuple[_Component, dict[str, Any]]]] = {}
        for entry, assigns in batch:
            if not entry.mounted:
                await self._mount(entry)
            entry.assigns, unchanged = compare_assigns(assigns, entry.assigns)
            if unchanged:
                continue
            entry.dirty = True
            by_class.setdefault(entry.cls, []).append((entry, assigns))
        for cls, changed in by_class.items():
            await self._run_update(cls, changed)

    async def _mount(self, entry: _Component) -> None:
        factory: ComponentSocketFactory = entry.cls.socket_class  # type: ignore[attr-defined]
        entry.instance = entry.cls()
        entry.socket = factory(parent=self._socket, cid=entry.cid, id=entry.id)
        entry.mounted = True
        await call_user(entry.instance.mount, entry.socket)

    async def _run_update(self, cls: type, changed: list[tuple[_Component, dict[str, Any]]]
                          ) -> None:
        with telemetry.span(signals.component_updated, cls, self._view_id, self._connected,
                            (len(changed),)):
            many = getattr(cls, "update_many", None)
            if many is not None:
                await call_user(many, [(assigns, entry.socket) for entry, assigns in changed])
                return
            for entry, assigns in changed:
                await call_user(entry.instance.update, assigns, entry.socket)

    @property
    def _view_id(self) -> Any:
        return getattr(self._socket, "view_id", None)

    @property
    def _connected(self) -> bool:
        return bool(getattr(self._socket, "connected", False))

    async def _apply_updates(self, updates: Iterable[ComponentUpdate]) -> None:
        batch: list[tuple[_Component, dict[str, Any]]] = []
        for update in updates:
            entry = self._find(update)
            if entry is None:
                logger.warning("send_update to %s id=%r: no such component in this view "
                               "(not rendered, or removed)", update.target, update.id)
                continue
            batch.append((entry, {"id": entry.id, **update.assigns}))
        by_class: dict[type, list[tuple[_Component, dict[str, Any]]]] = {}
        for entry, assigns in batch:
            entry.dirty = True
            by_class.setdefault(entry.cls, []).append((entry, assigns))
        for cls, changed in by_class.items():
            await self._run_update(cls, changed)

    def _find(self, update: ComponentUpdate) -> _Component | None:
        if isinstance(update.target, int) and not isinstance(update.target, bool):
            entry = self._by_cid.get(update.target)
        else:
            try:
                entry = self._by_key.get((resolve_component(update.target), update.id))
            except (ComponentError, TypeError):
                return None
        if entry is None or not entry.mounted or entry.marked:
            return None
        return entry

    async def _render_component(self, entry: _Component) -> None:
        current = self._pass
        current.touched = True
        extra: dict[str, Any] = {"myself": entry.cid, HOST_KEY: self}
        if entry.tracker is not None:
            # Tracked as a view's render: slots reading only unchanged names are kept.
            extra[TRACK_KEY] = entry.tracker
        current.rendered[entry.cid] = await self._render_one(entry.instance, entry.socket,
                                                             entry.cid, extra)
        entry.dirty = False

    async def _render_one(self, renderable: Any, socket: Any, renderer: int,
                          extra: dict[str, Any]) -> dict[str, Any]:
        try:
            return await tree_of(render_now(_Attempt(self._pass, renderable, renderer),
                                            view_context(socket, extra)))
        finally:
            self._pass.renderer = 0

    # Events ----------------------------------------------------------------------------------
    async def handle_event(self, cid: int, event: str, value: Any) -> tuple[bool, Any]:
        """Run `handle_event` of component `cid`: (found, its result)."""
        entry = self._by_cid.get(cid)
        if entry is None or not entry.mounted:
            logger.warning("event %r for component %r, which this view does not have "
                           "(removed, or never rendered); ignored", event, cid)
            return False, None
        with telemetry.span(signals.component_event_handled, entry.cls, self._view_id, True,
                            (entry.instance, entry.socket, cid, event, value)):
            result = await call_user(entry.instance.handle_event, event, value, entry.socket)
        entry.dirty = True
        return True, result

    def touch_uploading(self) -> None:
        """An upload message arrived (choose, preflight, progress, failure): components with
        uploads render again, so their inputs and progress show it."""
        for entry in self._by_cid.values():
            if entry.socket is not None and getattr(entry.socket, "upload_names", None):
                entry.dirty = True

    def socket_of(self, cid: int) -> Any:
        """The socket of component `cid`, or None."""
        entry = self._by_cid.get(cid)
        return entry.socket if entry is not None else None

    # The wire --------------------------------------------------------------------------------
    def table(self, root: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `"c"` for this pass; the client then holds the trees sent.

        `root`: the view's tree when the client gets it whole (join, new root statics): the
        client then holds no component any more, so every component on the page goes whole.
        """
        if not self._by_cid:  # a view without components pays nothing here
            return {}
        return self._table(root)

    def _table(self, root: dict[str, Any] | None) -> dict[str, Any]:
        # (Apart from `table`: its comprehensions' cells are made on every call of the
        # function holding them, and every click of every view asks for the table.)
        current = self._pass
        rendered = current.rendered
        whole = current.whole
        if root is not None:
            trees = {cid: tree for cid, entry in self._by_cid.items()
                     if (tree := rendered.get(cid, entry.tree)) is not None}
            rendered = {cid: trees[cid] for cid in sorted(reachable_cids(root, trees))
                        if cid in trees}
            whole = set(rendered)
            for cid, entry in self._by_cid.items():
                if cid not in rendered:
                    entry.tree = None  # the client no longer holds it: whole when back
        held = {cid: entry.tree for cid, entry in self._by_cid.items()
                if entry.tree is not None and root is None}
        shareable = {cid: tree for cid, tree in held.items() if not self._by_cid[cid].marked}
        wire = component_table(held, rendered, whole, shareable)
        for cid, tree in rendered.items():
            self._by_cid[cid].tree = tree
        self._pass = _Pass()
        return wire

    def inline_trees(self) -> dict[str, Any]:
        """Every component tree of this pass, resolved (the HTTP render puts them in place)."""
        return {str(cid): tree for cid, tree in self._pass.rendered.items()}

    # Removal ---------------------------------------------------------------------------------
    def mark(self, cids: Iterable[Any]) -> None:
        """`cids_will_destroy`: the client removed these from its page."""
        for cid in cids:
            entry = self._by_cid.get(cid) if isinstance(cid, int) else None
            if entry is not None:
                entry.marked = True

    def destroy(self, cids: Iterable[Any]) -> list[int]:
        """`cids_destroyed`: forget the cids still marked; the ones forgotten."""
        deleted = []
        for cid in cids:
            entry = self._by_cid.get(cid) if isinstance(cid, int) else None
            if entry is not None and entry.marked:
                del self._by_cid[cid]
                del self._by_key[(entry.cls, entry.id)]
                deleted.append(cid)
                self._drop_uploads(entry)
        return deleted

    def _drop_uploads(self, entry: _Component) -> None:
        """A removed component's uploads go with it (entries cancelled, data deleted)."""
        manager = getattr(self._socket, "upload_manager", None)
        for name in getattr(entry.socket, "upload_names", None) or ():
            if manager is not None:
                manager.remove(name)


__all__ = ["UNCOMPARABLE", "ComponentError", "ComponentRegistry", "ComponentUpdate",
           "SendUpdateMixin", "resolve_component", "send_update", "send_update_sync"]
