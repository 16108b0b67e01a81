"""`LiveComponent`: a piece of a LiveView with its own state, events and template.

    class RowEditor(LiveComponent):
        template_name = "todos/row.html"

        def mount(self, socket):
            socket.context["editing"] = False

        async def handle_event(self, event, payload, socket):
            if event == "edit":
                socket.context["editing"] = True

    {% live_component "todos.components.RowEditor" id=todo.id todo=todo %}
    <button phx-click="edit" phx-target="{{ myself }}">Edit</button>

See docs/components.md for the lifecycle, the wire and `send_update`.
"""
from __future__ import annotations

import inspect
import logging
from typing import Any, Callable, ClassVar, Generic, TypeVar


from .exceptions import ConnectedOnlyError
from .rendering import TemplateRenderer

logger = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["ComponentSocket", "LiveComponent"]


class ComponentSocket(Generic[T]):
    """The socket of one live component: its own `context`, and the connected-only
    features that make sense for a component, acting on its parent view.

    - `push_event` goes out with the view's next diff (top-level `e`);
    - `push_patch` / `push_navigate` / `redirect` navigate the parent view;
    - `send_update` / `send_update_after` reach any component of the view (itself too);
    - `send_parent(name, payload)` delivers `InfoEvent(name, payload)` to the view's
      `handle_info` (the view owns the data; the component asks it to change).
    """

    def __init__(self, *, parent: Any, cid: int, id: Any) -> None:
        #: What the component's template renders (with `myself` added).
        self.context: T = {}  # type: ignore[assignment]
        #: The parent view's socket.
        self.parent = parent
        #: This component's id on the wire; `{{ myself }}` in its template.
        self.cid = cid
        #: The `id` the parent gave it.
        self.id = id
        #: The uploads this component allowed: its name -> the name in the view's manager.
        self._uploads: dict[str, str] = {}

    @property
    def myself(self) -> int:
        """The cid, as `phx-target` (and `send_update(socket.myself, ...)`) want it."""
        return self.cid

    @property
    def connected(self) -> bool:
        return bool(getattr(self.parent, "connected", False))

    @property
    def view_id(self) -> str:
        return str(getattr(self.parent, "view_id", ""))

    @property
    def user(self) -> Any:
        return getattr(self.parent, "user", None)

    @property
    def session(self) -> Any:
        return getattr(self.parent, "session", None)

    def _connected_parent(self, name: str) -> Any:
        if not self.connected:
            raise ConnectedOnlyError(
                f"socket.{name} in a component is only available once the websocket is "
                f"connected; guard it with `if socket.connected:` (components also render in "
                f"the first HTTP render)")
        return self.parent

    async def push_event(self, event: str, value: dict[str, Any]) -> None:
        """Send `phx:<event>` to the page with the view's next diff."""
        await self._connected_parent("push_event").push_event(event, value)

    async def push_patch(self, path: str, params: dict[str, Any] | None = None, *,
                         replace: bool = False) -> None:
        """Patch the parent view's URL (its handle_params runs)."""
        await self._connected_parent("push_patch").push_patch(path, params, replace=replace)

    async def push_navigate(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Navigate the parent view to another LiveView."""
        await self._connected_parent("push_navigate").push_navigate(path, params)

    async def redirect(self, path: str, params: dict[str, Any] | None = None) -> None:
        """Full page load of `path`."""
        await self._connected_parent("redirect").redirect(path, params)

    def send_update(self, component: Any, id: Any = None, **assigns: Any) -> None:
        """See `ConnectedLiveViewSocket.send_update`."""
        self._connected_parent("send_update").send_update(component, id, **assigns)

    def send_update_after(self, component: Any, id: Any = None, seconds: float = 0,
                          **assigns: Any) -> None:
        """See `ConnectedLiveViewSocket.send_update_after`."""
        self._connected_parent("send_update_after").send_update_after(
            component, id, seconds, **assigns)

    # Uploads: kept by the view's upload manager (its topic carries them) under a name
    # of this component's, so two components may each allow "photo".
    def allow_upload(self, upload_name: str, constraints: Any = None, auto_upload: bool = False,
                     progress: Callable[..., Any] | None = None, *,
                     chunk_size: int | None = None, external: Callable[..., Any] | None = None,
                     writer: Callable[..., Any] | None = None) -> Any:
        """Accept files in this component (see the view socket's `allow_upload`); the
        `progress` and `external` callbacks get `(entry, this socket)`, `writer` gets
        `(upload_name, entry, this socket)`."""
        inner = self._uploads[upload_name] = f"{upload_name}-c{self.cid}"
        return self.parent.allow_upload(inner, constraints, auto_upload,
                                        self._progress_for(progress), chunk_size=chunk_size,
                                        external=self._progress_for(external),
                                        writer=self._writer_for(upload_name, writer))

    def _writer_for(self, upload_name: str,
                    writer: Callable[..., Any] | None) -> Callable[..., Any] | None:
        if writer is None:
            return None

        def component_writer(_inner: str, entry: Any, _view_socket: Any) -> Any:
            return writer(upload_name, entry, self)
        return component_writer

    def _progress_for(self, progress: Callable[..., Any] | None) -> Callable[..., Any] | None:
        if progress is None:
            return None
        if inspect.iscoroutinefunction(progress):
            async def on_progress(entry: Any, _view_socket: Any) -> Any:
                return await progress(entry, self)
            return on_progress

        def on_sync_progress(entry: Any, _view_socket: Any) -> Any:
            return progress(entry, self)
        return on_sync_progress

    def _upload(self, name: str) -> str:
        try:
            return self._uploads[name]
        except KeyError:
            raise KeyError(f"no upload named {name!r} in this component; allowed: "
                           f"{', '.join(map(repr, self._uploads)) or 'none'}") from None

    def cancel_upload(self, upload_name: str, entry_ref: str) -> bool:
        """Drop one entry of `upload_name` (its data too)."""
        return bool(self._connected_parent("cancel_upload").cancel_upload(
            self._upload(upload_name), entry_ref))

    async def consume_uploaded_entries(self, upload_name: str,
                                       func: Callable[..., Any]) -> list[Any]:
        """Call `func(upload, entry)` for each finished entry of `upload_name`."""
        return list(await self._connected_parent("consume_uploaded_entries")
                    .consume_uploaded_entries(self._upload(upload_name), func))

    @property
    def upload_names(self) -> list[str]:
        """The names of this component's uploads in the view's upload manager."""
        return list(self._uploads.values())

    def send_parent(self, name: str, payload: Any = None) -> None:
        """Deliver `InfoEvent(name, payload)` to the parent view's `handle_info`."""
        self._connected_parent("send_parent").send_info(name, payload)


class LiveComponent(TemplateRenderer, Generic[T]):
    """Subclass, set `template_name` (or override `render`), and place it in a template
    with `{% live_component %}`. Methods may be sync or async.

    One instance per component on the page (per class and `id`), from its first render
    until the client removed it.
    """

    __liveview_component__: ClassVar[bool] = True
    # A component class in a template's context is a value ({% live_component row_class %}):
    # Django would otherwise call it, making an instance.
    do_not_call_in_templates: ClassVar[bool] = True
    #: Django template of the component's markup: exactly one root element.
    template_name: str | None = None
    #: The socket handed to the component's methods.
    socket_class: ClassVar[type[ComponentSocket[Any]]] = ComponentSocket
    #: Optional classmethod `update_many(cls, assigns_and_sockets)`: one call for every
    #: component of the class to update in a render, as a list of (assigns, socket);
    #: when set, it replaces `update`.
    update_many: ClassVar[Any] = None

    async def mount(self, socket: ComponentSocket[T]) -> None:
        """Once, before the first update."""

    async def update(self, assigns: dict[str, Any], socket: ComponentSocket[T]) -> None:
        """New assigns from the parent's template or a send_update (`id` included): by
        default merged into `socket.context`."""
        socket.context.update(assigns)  # type: ignore[attr-defined]

    async def handle_event(self, event: str, payload: Any, socket: ComponentSocket[T]) -> Any:
        """An event sent with `phx-target="{{ myself }}"`."""
        logger.warning("%s received event %r but does not override handle_event",
                       type(self).__name__, event)

