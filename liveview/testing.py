"""A test client for LiveViews: the HTTP render, then the websocket, as the browser does.

    client = LiveViewTestClient(application)
    await client.get("/counter/")
    await client.join()
    await client.click("increment")
    assert "Count: 1" in client.html
    await client.close()

It speaks the real protocol through Channels' WebsocketCommunicator and applies diffs
with the client's merge rules, so `client.html` is what the browser would show.
"""
from __future__ import annotations

import functools
import inspect
import json
import re
import time
from dataclasses import dataclass
from html import unescape
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import AsyncClient, TransactionTestCase
from django.utils.module_loading import import_string

from .core import dom as _dom
from .core import tree as _tree
from .core.components import reachable_cids
from .core.wire import COMPONENTS

_CONTAINER = re.compile(
    r'<(?P<tag>\w+) id="(?P<id>[^"]+)" data-phx-main data-phx-session="(?P<session>[^"]*)" '
    r'data-phx-static="(?P<static>[^"]*)">')
# A child LiveView's container in a view's HTML (`{% live_render %}`, connected render).
_CHILD = re.compile(
    r'<\w+ id="(?P<id>[^"]+)" data-phx-session="(?P<session>[^"]*)" data-phx-static="[^"]*"'
    r'(?: data-phx-sticky| data-phx-parent-id="[^"]*")')
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _host_not_allowed(host: str) -> str:
    """Why requests for `host` are refused, naming the fix, or "" when ALLOWED_HOSTS has it."""
    from django.conf import settings
    from django.http.request import validate_host

    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:  # Django's own fallback, and the origin check's
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if validate_host(host, allowed):
        return ""
    return (f": the host {host!r} is not in ALLOWED_HOSTS ({allowed!r}). Django's test runner "
            f"and pytest-django add 'testserver' while tests run; elsewhere add it to "
            f"ALLOWED_HOSTS yourself")


@dataclass(frozen=True)
class PageTokens:
    """What a client needs from a LiveView page to join it over the websocket."""

    view_id: str
    session: str
    static: str
    csrf_token: str

    @property
    def topic(self) -> str:
        return f"lv:{self.view_id}"


def page_tokens(html: str) -> PageTokens | None:
    """The main LiveView's tokens in a page rendered by liveview, or None if it has none."""
    container, csrf = _CONTAINER.search(html), _CSRF.search(html)
    if container is None or csrf is None:
        return None
    return PageTokens(container["id"], unescape(container["session"]),
                      unescape(container["static"]), csrf.group(1))


class ViewCrashed(AssertionError):
    """The view crashed (the server sent `phx_error`) while handling a request."""


@dataclass(frozen=True)
class Navigation:
    """Where the view sent the browser: a `patch` (same view, new URL), a `live_redirect`
    (push_navigate: another view over the same websocket) or a `redirect` (a page load)."""

    kind: str
    to: str
    replace: bool = False
    flash: str | None = None


class LiveViewTestClient:
    """Drives one LiveView page over HTTP and the websocket."""

    def __init__(self, application: Any = None, *, host: str = "testserver",
                 timeout: float = 5):
        # Default: the project's own ASGI application, as `runserver` would serve it.
        self.application = (application if application is not None
                            else import_string(settings.ASGI_APPLICATION))
        self.host = host
        self.timeout = timeout
        self.http = AsyncClient()
        self.page_html = ""
        self.url = ""
        self.view_id = ""
        self.session_token = ""
        self.static_token = ""
        self.csrf_token = ""
        self.tree: dict[str, Any] | None = None
        self.title: str | None = None
        self.events: list[list[Any]] = []
        self.communicator: WebsocketCommunicator | None = None
        self.join_ref = ""
        self._ref = 0
        #: Navigations not yet asserted or followed, oldest first.
        self.navigations: list[Navigation] = []
        #: The reply value (`r`) of the last hook event.
        self.last_reply: Any = None
        # Per form (its id): input names the user has changed, forms submitted once. The
        # browser keeps these flags on the elements; they decide the `_unused_` markers.
        self._used_inputs: dict[str, set[str]] = {}
        self._submitted_forms: set[str] = set()
        # Upload entries the browser holds, per upload ref, and its page-wide entry counter.
        self._files: dict[str, list[dict[str, Any]]] = {}
        self._file_refs = 0
        #: The meta the last external upload's preflight returned (see `upload`).
        self.last_upload_meta: dict[str, Any] | None = None
        # Child LiveViews share the page's websocket: frames go to the client of their topic.
        self._root = self
        self._views: dict[str, LiveViewTestClient] = {}
        self._children: dict[str, LiveViewTestClient] = {}

    # HTTP ---------------------------------------------------------------------------------
    async def get(self, path: str) -> str:
        """Load the page over HTTP (the first render) and remember its tokens."""
        response = await self.http.get(path)
        if response.status_code != 200:
            why = _host_not_allowed("testserver") if response.status_code == 400 else ""
            raise AssertionError(f"GET {path} answered {response.status_code}{why}")
        self.page_html = response.content.decode()
        tokens = page_tokens(self.page_html)
        if tokens is None:
            raise AssertionError(f"GET {path}: no LiveView container or csrf meta tag")
        self.url = f"http://{self.host}{path}"
        self.view_id = tokens.view_id
        self.session_token = tokens.session
        self.static_token = tokens.static
        self.csrf_token = tokens.csrf_token
        return self.page_html

    # Websocket ----------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the websocket with the browser's cookies and origin."""
        cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in self.http.cookies.items())
        query = urlencode({"_csrf_token": self.csrf_token, "vsn": "2.0.0"})
        self.communicator = WebsocketCommunicator(
            self.application, f"/live/websocket?{query}",
            headers=[(b"cookie", cookies.encode()), (b"origin", f"http://{self.host}".encode()),
                     (b"host", self.host.encode())])
        connected, _ = await self.communicator.connect(timeout=self.timeout)
        if not connected:
            raise AssertionError(f"websocket connection refused{_host_not_allowed(self.host)}")

    def next_ref(self) -> str:
        root = self._root
        root._ref += 1
        return str(root._ref)

    async def send(self, frame: list[Any]) -> None:
        """Send a raw frame `[join_ref, ref, topic, event, payload]`."""
        assert self.communicator is not None, "connect() first"
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def receive(self, timeout: float | None = None) -> list[Any]:
        """The next frame from the server (pushes are applied to `html` as they come)."""
        assert self.communicator is not None, "connect() first"
        frame = json.loads(await self.communicator.receive_from(timeout or self.timeout))
        view = self._root._views.get(frame[2], self)
        if frame[3] == "diff":
            view._apply(frame[4])
        elif frame[3] in ("live_patch", "live_redirect", "redirect"):
            view._navigated(frame[3], frame[4])
        return frame

    async def request(self, topic: str, event: str, payload: dict[str, Any],
                      join_ref: str | None = None, ref: str | None = None) -> dict[str, Any]:
        """Push a frame and return the reply's payload; pushes received meanwhile apply.

        A view that crashes handling it sends `phx_error` instead of a reply: ViewCrashed.
        """
        ref = ref if ref is not None else self.next_ref()
        await self.send([join_ref if join_ref is not None else self.join_ref, ref, topic,
                         event, payload])
        while True:
            frame = await self.receive()
            if frame[3] == "phx_reply" and frame[1] == ref:
                return frame[4]
            if frame[3] == "phx_error" and frame[2] == topic:
                raise ViewCrashed(f"the view of {topic} crashed handling {event!r} "
                                  f"(phx_error); its traceback is in the server log")

    async def join(self, **overrides: Any) -> dict[str, Any]:
        """Join the page's view; returns the reply payload. Overrides set to None are left out."""
        if self.communicator is None:
            await self.connect()
        self.join_ref = self.next_ref()
        payload = {"url": self.url, "params": {"_csrf_token": self.csrf_token, "_mounts": 0,
                                               "_mount_attempts": 0},
                   "session": self.session_token, "static": self.static_token or None,
                   "sticky": False}
        payload.update(overrides)
        payload = {key: value for key, value in payload.items() if value is not None}
        self._root._views[self.topic] = self
        await self.send([self.join_ref, self.join_ref, self.topic, "phx_join", payload])
        while True:
            frame = await self.receive()
            if frame[1] == self.join_ref and frame[3] == "phx_reply":
                break
        reply = frame[4]
        if reply["status"] == "ok":
            self.tree = None
            self._apply(reply["response"]["rendered"])
            self._used_inputs.clear()
            self._submitted_forms.clear()
        self._record_navigation(reply)
        return reply

    async def open(self, path: str) -> dict[str, Any]:
        """`get(path)` then `join()`, as a browser opening the page; returns the join reply.

        A join refused with a navigation (mount redirected) is recorded for
        `assert_redirect`/`follow_redirect`; any other refusal fails the test.
        """
        await self.get(path)
        reply = await self.join()
        response = reply["response"]
        if reply["status"] != "ok" and not ("redirect" in response
                                            or "live_redirect" in response):
            raise AssertionError(f"join of {path} refused: {response}")
        return reply

    @property
    def topic(self) -> str:
        return f"lv:{self.view_id}"

    # Child LiveViews (Phoenix.LiveViewTest's find_live_child/2 and live_children/1) --------
    async def find_live_child(self, child_id: str) -> LiveViewTestClient:
        """The child LiveView this view renders with `id=child_id`, joined on the same
        websocket as the browser joins it (once; later calls return the same client).
        Drive it like the page's client: `await child.click(...)`, `child.html`."""
        child = self._children.get(child_id)
        if child is not None and child.tree is not None:
            return child
        found = [c for c in _CHILD.finditer(self.html) if c.group("id") == child_id]
        if not found:
            raise AssertionError(f"no child LiveView with id {child_id!r} in the view's HTML")
        child = LiveViewTestClient(self.application, host=self.host, timeout=self.timeout)
        child._root, child.http, child.communicator = self._root, self.http, self.communicator
        child.view_id = child_id
        child.session_token = unescape(found[0].group("session"))
        child.csrf_token = self.csrf_token
        child.url = None  # type: ignore[assignment]  # a child's join carries no URL
        self._children[child_id] = child
        reply = await child.join()
        if reply["status"] != "ok":
            raise AssertionError(f"join of child {child_id!r} refused: {reply['response']}")
        return child

    async def live_children(self) -> list[LiveViewTestClient]:
        """Every child LiveView this view renders now (sticky ones included), joined."""
        return [await self.find_live_child(c.group("id")) for c in _CHILD.finditer(self.html)]

    async def event(self, event: str, value: Any, *, type: str = "click",
                    **extra: Any) -> dict[str, Any]:
        """Send an `event` frame and apply the reply's diff."""
        reply = await self.request(self.topic, "event",
                                   {"type": type, "event": event, "value": value, **extra})
        if reply["status"] == "ok":
            self.last_reply = reply["response"].get("diff", {}).get("r")
            if "diff" in reply["response"]:
                self._apply(reply["response"]["diff"])
        self._record_navigation(reply)
        return reply

    async def click(self, event: str, *, cid: int | None = None, **values: str
                    ) -> dict[str, Any]:
        """A phx-click on a button carrying `phx-value-*` attributes (`cid`: its phx-target
        is that component, e.g. `client.cid_of("row-3")`)."""
        extra: dict[str, Any] = {"cid": cid} if cid is not None else {}
        return await self.event(event, {"value": "", **values}, **extra)

    async def submit(self, event: str, form: dict[str, Any] | str, *, target: str | None = None,
                     change: bool = False, cid: int | None = None) -> dict[str, Any]:
        """A phx-submit (or phx-change with `change=True`) of form fields (`cid`: the form's
        phx-target is that component)."""
        encoded = form if isinstance(form, str) else urlencode(form, doseq=True)
        meta: dict[str, Any] = {"_target": target} if target is not None else {}
        extra: dict[str, Any] = {"uploads": {}} if change else {}
        if cid is not None:
            extra["cid"] = cid
        return await self.event(event, encoded, type="form", meta=meta, **extra)

    # Components -----------------------------------------------------------------------------
    @property
    def components(self) -> dict[int, dict[str, Any]]:
        """The component trees the client holds, by cid."""
        assert self.tree is not None, "join() first"
        return {int(cid): tree for cid, tree in (self.tree.get(COMPONENTS) or {}).items()}

    def cid_of(self, text: str) -> int:
        """The cid of the one component on the page whose own HTML contains `text`."""
        assert self.tree is not None, "join() first"
        table = self.tree.get(COMPONENTS) or {}
        found = [cid for cid in reachable_cids(self.tree, self.components)
                 if text in _tree.tree_to_html({**table[str(cid)], COMPONENTS: table})
                 and not any(text in _tree.tree_to_html({**table[str(child)], COMPONENTS: table})
                             for child in reachable_cids(table[str(cid)], self.components))]
        if len(found) != 1:
            raise AssertionError(f"{len(found)} components show {text!r}: {sorted(found)}")
        return found[0]

    async def prune_components(self) -> list[int]:
        """What the browser does after a patch: components no longer on the page are
        reported (`cids_will_destroy`, then `cids_destroyed`), and those the server
        deletes are dropped. Returns the deleted cids."""
        assert self.tree is not None, "join() first"
        gone = sorted(set(self.components) - reachable_cids(self.tree, self.components))
        if not gone:
            return []
        reply = await self.request(self.topic, "cids_will_destroy", {"cids": gone})
        assert reply["status"] == "ok", reply
        reply = await self.request(self.topic, "cids_destroyed", {"cids": gone})
        assert reply["status"] == "ok", reply
        deleted = reply["response"]["cids"]
        table = dict(self.tree.get(COMPONENTS) or {})
        for cid in deleted:
            table.pop(str(cid), None)
        self.tree = {**self.tree, COMPONENTS: table}
        return deleted

    async def close(self) -> None:
        """Disconnect the websocket. A child LiveView's client (`find_live_child`) leaves its
        own topic instead: the page's websocket, which it shares, stays open."""
        if self.communicator is None:
            return
        if self._root is not self:
            if self._root.communicator is self.communicator:
                await self.request(self.topic, "phx_leave", {})
                self._root._views.pop(self.topic, None)
                self._root._children.pop(self.view_id, None)
                for client in self._root._views.values():
                    client._children.pop(self.view_id, None)
            self.communicator = None
            return
        await self.communicator.disconnect()
        self.communicator = None

    # Finding elements (Phoenix.LiveViewTest's element/3 and has_element?/3) ----------------
    def element(self, selector: str, text: str | re.Pattern[str] | None = None) -> LiveElement:
        """The element matching a CSS selector (and whose text contains `text`, or matches
        it as a regex), for events; it is looked up again in the HTML at each action, and
        must match exactly one element then."""
        return LiveElement(self, selector, text)

    def has_element(self, selector: str, text: str | re.Pattern[str] | None = None) -> bool:
        """Whether the view shows at least one element matching selector (and text)."""
        return bool(self.find_all(selector, text))

    def find_all(self, selector: str, text: str | re.Pattern[str] | None = None
                 ) -> list[_dom.Element]:
        """Every element of the view matching selector (and text), in document order."""
        found = _dom.parse(self.html).select(selector)
        if text is None:
            return found
        if isinstance(text, re.Pattern):
            return [e for e in found if text.search(e.text)]
        return [e for e in found if text in e.text]

    # Waiting -----------------------------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> None:
        """Apply pushed frames until `predicate()` is true (pub/sub, timers, async work).

        Fails with the HTML shown when `timeout` (default: the client's) runs out first.
        """
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"wait_for: condition still false; the view shows:\n"
                                     f"{self.html}")
            assert self.communicator is not None, "connect() first"
            # Never receive() with a timeout that may run out: the communicator would cancel
            # the application. Poll the queue instead.
            if await self.communicator.receive_nothing(timeout=min(remaining, 0.05),
                                                       interval=0.005):
                continue
            frame = await self.receive()
            if frame[3] == "phx_error" and frame[2] == self.topic:
                raise ViewCrashed(f"the view of {self.topic} crashed (phx_error) while waiting")

    # Navigation --------------------------------------------------------------------------------
    def _navigated(self, kind: str, payload: dict[str, Any]) -> None:
        to = payload.get("to", "")
        replace = payload.get("kind") == "replace"
        if kind == "live_patch":
            self.url = self._absolute(to)
            self.navigations.append(Navigation("patch", to, replace))
        else:
            self.navigations.append(Navigation(kind, to, replace, payload.get("flash")))

    def _record_navigation(self, reply: dict[str, Any]) -> None:
        response = reply.get("response") or {}
        for key in ("live_patch", "live_redirect", "redirect"):
            if isinstance(response.get(key), dict):
                self._navigated(key, response[key])

    def _absolute(self, to: str) -> str:
        return to if "://" in to else f"http://{self.host}{to}"

    async def _next_navigation(self, kinds: tuple[str, ...], what: str,
                               timeout: float | None) -> Navigation:
        """The oldest recorded navigation of these kinds, taken off the record (waiting for
        pushes up to `timeout`: a navigation from handle_info or a timer comes later)."""
        def pending() -> Navigation | None:
            return next((n for n in self.navigations if n.kind in kinds), None)

        if pending() is None and self.communicator is not None:
            try:
                await self.wait_for(lambda: pending() is not None, timeout)
            except AssertionError:
                pass
        navigation = pending()
        if navigation is None:
            raise AssertionError(f"expected {what}, but the view did not navigate"
                                 + (f" (it did: {self.navigations})" if self.navigations else ""))
        self.navigations.remove(navigation)
        return navigation

    async def assert_patch(self, path: str | None = None, *, timeout: float | None = None
                           ) -> str:
        """Assert the view patched its URL (push_patch, a patch link), to `path` if given
        (path and query, as sent); returns the path. The patch is taken off the record."""
        navigation = await self._next_navigation(("patch",), "a patch", timeout)
        if path is not None and navigation.to != path:
            raise AssertionError(f"expected a patch to {path!r}, got {navigation.to!r}")
        return navigation.to

    async def assert_redirect(self, path: str | None = None, *, timeout: float | None = None
                              ) -> Navigation:
        """Assert the view navigated away (push_navigate or redirect), to `path` if given;
        returns the navigation (`to`, `kind`, `flash`) and takes it off the record."""
        navigation = await self._next_navigation(("live_redirect", "redirect"), "a redirect",
                                                 timeout)
        if path is not None and navigation.to != path:
            raise AssertionError(f"expected a redirect to {path!r}, got {navigation.kind} to "
                                 f"{navigation.to!r}")
        return navigation

    async def follow_redirect(self, path: str | None = None, *,
                              timeout: float | None = None) -> str:
        """Go where the view sent the browser, as the client does; returns the new HTML.

        A `live_redirect` leaves the view and joins the target over the same websocket (with
        the flash); a `redirect` loads the target over HTTP (flash in its cookie) and joins it
        on a new websocket. The target must be a LiveView; for other pages use
        `assert_redirect`.
        """
        from .flash import FLASH_COOKIE  # only here: the cookie's name, nothing else
        navigation = await self.assert_redirect(path, timeout=timeout)
        url = self._absolute(navigation.to)
        if navigation.kind == "live_redirect":
            referer = self.url
            if self.communicator is not None:
                await self.request(self.topic, "phx_leave", {})
            self.url = url
            reply = await self.join(
                url=None, redirect=url, flash=navigation.flash,
                params={"_csrf_token": self.csrf_token, "_mounts": 0, "_mount_attempts": 0,
                        "_live_referer": referer})
            if reply["status"] == "ok":
                return self.html
            if reply["response"].get("reason") != "unauthorized":
                raise AssertionError(f"live navigation to {navigation.to} refused: "
                                     f"{reply['response']}")
            # Outside the live session: the client loads the page instead.
        await self.close()
        if navigation.flash:
            self.http.cookies[FLASH_COOKIE] = navigation.flash
        parts = urlsplit(url)
        await self.open(parts.path + (f"?{parts.query}" if parts.query else ""))
        return self.html

    # Hooks -------------------------------------------------------------------------------------
    async def hook(self, event: str, value: Any = None, *, cid: int | None = None) -> str:
        """A JS hook's `pushEvent(event, value)`; the reply value lands in `last_reply`."""
        extra = {"cid": cid} if cid is not None else {}
        await self.event(event, value if value is not None else {}, type="hook", **extra)
        return self.html

    # Uploads -----------------------------------------------------------------------------------
    async def upload(self, selector: str, name: str, content: bytes | str,
                     content_type: str = "application/octet-stream", *,
                     last_modified: int = 1_700_000_000_000) -> str:
        """Choose a file in a `{% live_file_input %}` and upload it, as the client does.

        An external upload (`allow_upload(external=...)`) stops after the preflight: its meta
        is kept in `last_upload_meta` and progress 50 then 100 is reported, as the client's
        uploader would once the storage accepted the file (nothing is sent to the storage).

        The change event (with `uploads`), the `allow_upload` preflight, the `lvu:` join,
        binary chunks of the configured size and `progress` reports, up to 100. Files
        refused by validation or preflight stop there; the HTML shows their errors. Files
        upload whether or not the config uploads automatically: the real client would send
        the non-automatic ones at submit time, before the submit event.
        """
        data = content.encode() if isinstance(content, str) else content
        found = LiveElement(self, selector, None).find()
        upload_ref = found.get("data-phx-upload-ref")
        if found.tag != "input" or upload_ref is None:
            raise AssertionError(f"{selector!r} is not a live file input "
                                 f"(no data-phx-upload-ref)")
        form = _form_of(found, selector)
        event = found.get("phx-change") or form.get("phx-change")
        if not event:
            raise AssertionError(f"the form of {selector!r} has no phx-change")
        entry = {"path": found.get("name"), "ref": str(self._file_refs),
                 "last_modified": last_modified, "name": name, "type": content_type,
                 "size": len(data)}
        self._file_refs += 1
        active = (found.get("data-phx-active-refs") or "").split(",")
        files = [f for f in self._files.get(upload_ref, []) if f["ref"] in active] \
            if "multiple" in found.attrs else []
        files.append(entry)
        self._files[upload_ref] = files
        # The client sends only non-empty files; an empty one is chosen but never uploaded.
        chosen = [f for f in files if f["size"] > 0]
        await self._form_event(form, event, "change", target=found.get("name"),
                               uploads={upload_ref: chosen})
        if not data:
            return self.html
        # An entry the view did not make active, or marked in error, never uploads (the
        # client would drop the submit, or the preflight would refuse it).
        input_now = self._upload_input(upload_ref)
        if input_now is None or entry["ref"] not in (
                input_now.get("data-phx-active-refs") or "").split(",") or entry["ref"] in (
                input_now.get("data-phx-error-refs") or "").split(","):
            return self.html
        reply = await self.request(self.topic, "allow_upload", {
            "ref": upload_ref,
            "entries": [{k: entry[k] for k in ("last_modified", "name", "size", "type", "ref")}]})
        response = reply["response"]
        if "diff" in response:
            self._apply(response["diff"])
        token = (response.get("entries") or {}).get(entry["ref"])
        progress_event = found.get("phx-progress")
        if reply["status"] == "ok" and "error" not in response and isinstance(token, dict):
            # An external upload: the bytes would go to the storage, not to this server. As
            # Phoenix's render_upload, report progress as the client's uploader would.
            self.last_upload_meta = token
            await self._progress(progress_event, upload_ref, entry["ref"], 50)
            await self._progress(progress_event, upload_ref, entry["ref"], 100)
            return self.html
        if reply["status"] != "ok" or "error" in response or not isinstance(token, str):
            return self.html
        chunk_size = response["config"]["chunk_size"]
        topic, join_ref = f"lvu:{entry['ref']}", self.next_ref()
        joined = await self.request(topic, "phx_join", {"token": token}, join_ref=join_ref,
                                    ref=join_ref)
        if joined["status"] != "ok":
            raise AssertionError(f"upload channel {topic} refused: {joined['response']}")
        sent, percent = 0, 0
        while sent < len(data):
            chunk = data[sent:sent + chunk_size]
            ref = self.next_ref()
            await self.communicator.send_to(bytes_data=_binary_frame(  # type: ignore[union-attr]
                join_ref, ref, topic, "chunk", chunk))
            ack = await self._reply_to(ref)
            if ack["status"] != "ok":
                # As entry_uploader.js: report the error as progress, leave the channel.
                await self._progress(progress_event, upload_ref, entry["ref"],
                                     {"error": ack["response"].get("reason")})
                await self.request(topic, "phx_leave", {}, join_ref=join_ref)
                return self.html
            sent += len(chunk)
            now = sent * 100 // len(data)
            if now > percent:  # the client reports each whole percentage step once
                percent = now
                await self._progress(progress_event, upload_ref, entry["ref"], percent)
        return self.html

    async def _progress(self, event: str | None, upload_ref: str, entry_ref: str,
                        progress: int | dict[str, Any]) -> None:
        reply = await self.request(self.topic, "progress", {
            "event": event, "ref": upload_ref, "entry_ref": entry_ref, "progress": progress})
        if reply["status"] == "ok" and "diff" in reply["response"]:
            self._apply(reply["response"]["diff"])

    async def _reply_to(self, ref: str) -> dict[str, Any]:
        while True:
            frame = await self.receive()
            if frame[3] == "phx_reply" and frame[1] == ref:
                return frame[4]

    def _upload_input(self, upload_ref: str) -> _dom.Element | None:
        return _dom.parse(self.html).select_one(f'input[data-phx-upload-ref="{upload_ref}"]')

    # Form events as the client builds them -------------------------------------------------
    async def _form_event(self, form: _dom.Element, event: str, kind: str, *,
                          target: str | None = None, submitter: _dom.Element | None = None,
                          only: set[str] | None = None,
                          uploads: dict[str, Any] | None = None) -> dict[str, Any]:
        key = form.get("id") or "form"
        if kind == "submit":
            self._submitted_forms.add(key)
        used = self._used_inputs.get(key, set())
        submitted = key in self._submitted_forms
        controls = _dom.form_controls(form)
        unused_names = set()
        if "phx-no-unused-field" not in form.attrs and not submitted:
            by_name: dict[str, list[_dom.Element]] = {}
            for control in controls:
                by_name.setdefault(control.attrs["name"], []).append(control)
            for name, group in by_name.items():
                hidden = all(c.get("type") == "hidden" for c in group)
                skip = any("phx-no-unused-field" in c.attrs for c in group)
                if name not in used and not hidden and not skip:
                    unused_names.add(name)
        pairs: list[tuple[str, str]] = []
        submitter_name = submitter.get("name") if submitter is not None else None
        for name, value in _dom.form_data(form, submitter, only):
            if name in unused_names and name != submitter_name:
                pairs.append((_dom.unused_key(name), ""))
            pairs.append((name, value))
        meta: dict[str, Any] = {}
        if kind == "change":
            meta["_target"] = target or "undefined"
        meta.update(_phx_values(form))
        extra: dict[str, Any] = {"meta": meta}
        if kind == "change":
            extra["uploads"] = uploads or {}
        extra.update(_target_cid(form))
        return await self.event(event, urlencode(pairs), type="form", **extra)

    # What the browser shows -----------------------------------------------------------------
    def _apply(self, diff: dict[str, Any]) -> None:
        diff = dict(diff)
        if "t" in diff:
            self.title = diff.pop("t")
        self.events.extend(diff.pop("e", []))
        diff.pop("r", None)
        self.tree = _tree.merge_diff(self.tree, diff)

    @property
    def html(self) -> str:
        """The view's inner HTML as the client renders it now."""
        assert self.tree is not None, "join() first"
        return _tree.tree_to_html(self.tree)


# Elements and the events the client builds from them ------------------------------------------
_KEY_TYPES = ("keydown", "keyup")


class LiveElement:
    """An element of the view found by selector (and text), and the events a user can fire
    on it. Each action finds it again in the current HTML, as Phoenix's `element/3` does,
    builds the payload the JS client would and returns the view's HTML afterwards."""

    def __init__(self, client: LiveViewTestClient, selector: str,
                 text: str | re.Pattern[str] | None):
        self.client = client
        self.selector = selector
        self.text_filter = text

    def __repr__(self) -> str:
        text = f", text={self.text_filter!r}" if self.text_filter is not None else ""
        return f"<LiveElement {self.selector!r}{text}>"

    def find(self) -> _dom.Element:
        """The one element matching now; fails when none or several match."""
        found = self.client.find_all(self.selector, self.text_filter)
        what = self.selector + (f" with text {self.text_filter!r}"
                                if self.text_filter is not None else "")
        if not found:
            raise AssertionError(f"no element matches {what}; the view shows:\n"
                                 f"{self.client.html}")
        if len(found) > 1:
            listing = "\n".join(e.outer_html[:200] for e in found)
            raise AssertionError(f"{len(found)} elements match {what} (one expected):\n"
                                 f"{listing}")
        return found[0]

    def exists(self) -> bool:
        return bool(self.client.find_all(self.selector, self.text_filter))

    @property
    def html(self) -> str:
        """The element's outer HTML now."""
        return self.find().outer_html

    @property
    def text(self) -> str:
        """The element's text now, whitespace collapsed."""
        return self.find().text

    @property
    def attrs(self) -> dict[str, str]:
        return dict(self.find().attrs)

    # Events -----------------------------------------------------------------------------
    async def click(self, value: Mapping[str, Any] | None = None) -> str:
        """A click: the element's `phx-click` with its `phx-value-*` (and `value`), plus
        `value`. A `data-phx-link` patches or navigates; a submit button without phx-click
        submits its form (with itself as the submitter)."""
        element = self.find()
        event = element.get("phx-click")
        if event is None:
            link = element.get("data-phx-link")
            if link is not None:
                return await self._follow_link(element, link)
            form = element.closest("form")
            if (element.tag in ("button", "input")
                    and element.get("type", "submit" if element.tag == "button" else "text")
                    == "submit" and form is not None and form.get("phx-submit")):
                await self.client._form_event(form, form.attrs["phx-submit"], "submit",
                                              submitter=element)
                return self.client.html
            raise AssertionError(f"{self.selector}: no phx-click, data-phx-link or form "
                                 f"to submit on {element.outer_html[:200]}")
        await self._push("click", event, element, value)
        return self.client.html

    async def keydown(self, key: str, value: Mapping[str, Any] | None = None) -> str:
        """A key press on the element (`phx-keydown`, or `phx-window-keydown`). A `phx-key`
        filter that does not match sends nothing, as in the browser."""
        return await self._key("keydown", key, value)

    async def keyup(self, key: str, value: Mapping[str, Any] | None = None) -> str:
        """A key release (`phx-keyup`, or `phx-window-keyup`), like `keydown`."""
        return await self._key("keyup", key, value)

    async def focus(self, value: Mapping[str, Any] | None = None) -> str:
        """The element gains focus: `phx-focus` (or `phx-window-focus`)."""
        return await self._simple("focus", value)

    async def blur(self, value: Mapping[str, Any] | None = None) -> str:
        """The element loses focus: `phx-blur` (or `phx-window-blur`)."""
        return await self._simple("blur", value)

    async def hook(self, event: str, value: Any = None) -> str:
        """The element's hook pushes `event` (pushEventTo the element's phx-target, if any);
        the reply value lands in `client.last_reply`."""
        element = self.find()
        cid = _target_cid(element).get("cid")
        return await self.client.hook(event, value, cid=cid)

    async def change(self, values: Mapping[str, Any] | None = None, *,
                     target: str | None = None) -> str:
        """The user changes inputs: a form's (or an input's own) `phx-change`.

        `values` maps input names to what the user typed (`{"name": "Ada"}`, nested
        `{"user": {"name": "Ada"}}` for `user[name]`, a list for multiple values, a bool for
        a checkbox). The rest comes from the HTML as rendered. `_target` is `target`, else
        this element's name when it is an input, else the last name in `values`. Inputs not
        touched yet carry `_unused_` markers.
        """
        element = self.find()
        form = element if element.tag == "form" else _form_of(element, self.selector)
        own = element.get("phx-change") if element is not form else None
        event = own or form.get("phx-change")
        if not event:
            raise AssertionError(f"{self.selector}: no phx-change on it or its form")
        flat = _flatten(values or {})
        _set_values(form, flat, self.selector)
        if target is None:
            target = element.get("name") if element is not form else (
                list(flat)[-1] if flat else None)
        used = self.client._used_inputs.setdefault(form.get("id") or "form", set())
        used.update(flat)
        if target:
            used.add(target)
        only = {element.attrs["name"]} if own and element.get("name") else None
        await self.client._form_event(form, event, "change", target=target, only=only)
        return self.client.html

    async def submit(self, values: Mapping[str, Any] | None = None) -> str:
        """The user submits the form (this element, or the form of this button, which is
        then the submitter): its `phx-submit` with every input's value, `values` first
        applied as in `change`."""
        element = self.find()
        form = element if element.tag == "form" else _form_of(element, self.selector)
        event = form.get("phx-submit")
        if not event:
            raise AssertionError(f"{self.selector}: its form has no phx-submit")
        _set_values(form, _flatten(values or {}), self.selector)
        submitter = element if element.tag in ("button", "input") and element is not form \
            else None
        await self.client._form_event(form, event, "submit", submitter=submitter)
        return self.client.html

    # Helpers ----------------------------------------------------------------------------
    async def _key(self, kind: str, key: str, value: Mapping[str, Any] | None) -> str:
        element = self.find()
        event = element.get(f"phx-{kind}") or element.get(f"phx-window-{kind}")
        if not event:
            raise AssertionError(f"{self.selector}: no phx-{kind} or phx-window-{kind}")
        wanted = element.get("phx-key")
        if wanted and wanted.lower() != key.lower():
            return self.client.html
        await self._push(kind, event, element, {"key": key, **(value or {})})
        return self.client.html

    async def _simple(self, kind: str, value: Mapping[str, Any] | None) -> str:
        element = self.find()
        event = element.get(f"phx-{kind}") or element.get(f"phx-window-{kind}")
        if not event:
            raise AssertionError(f"{self.selector}: no phx-{kind} or phx-window-{kind}")
        await self._push(kind, event, element, value)
        return self.client.html

    async def _push(self, kind: str, event: str, element: _dom.Element,
                    value: Mapping[str, Any] | None) -> None:
        pushes = _js_pushes(event) if event.lstrip().startswith("[") else [(event, {}, None)]
        for name, js_value, target in pushes:
            # Order as View.extractMeta: phx-value-*, the element's value, then pushed values.
            payload: dict[str, Any] = dict(value or {}) if kind in _KEY_TYPES else {}
            payload.update(_phx_values(element))
            own = _dom.element_value(element)
            if own is not None:
                payload["value"] = own
            payload.update(js_value)
            if kind not in _KEY_TYPES:
                payload.update(value or {})
            cid = _target_cid(element, target)
            await self.client.event(name, payload, type=kind, **cid)

    async def _follow_link(self, element: _dom.Element, link: str) -> str:
        href = element.get("href") or ""
        client = self.client
        if link == "patch":
            reply = await client.request(client.topic, "live_patch",
                                         {"url": client._absolute(href)})
            response = reply["response"]
            if response.get("link_redirect"):
                client.navigations.append(Navigation("live_redirect", href))
                return client.html
            if "diff" in response:
                client._apply(response["diff"])
            client.url = client._absolute(href)
            client.navigations.append(Navigation(
                "patch", href, element.get("data-phx-link-state") == "replace"))
            return client.html
        # data-phx-link="redirect": a live navigation, which follow_redirect() performs.
        client.navigations.append(Navigation(
            "live_redirect", href, element.get("data-phx-link-state") == "replace"))
        return client.html


def _form_of(element: _dom.Element, selector: str) -> _dom.Element:
    form = element.closest("form")
    if form is None:
        raise AssertionError(f"{selector}: not inside a form")
    return form


def _phx_values(element: _dom.Element) -> dict[str, str]:
    return {name[len("phx-value-"):]: value for name, value in element.attrs.items()
            if name.startswith("phx-value-")}


def _target_cid(element: _dom.Element, target: str | None = None) -> dict[str, int]:
    """`cid` of the event: a `phx-target` holding a component id (`@myself` renders as one);
    a selector target points at this view, which has no components."""
    target = target if target is not None else element.get("phx-target")
    if target is not None and target.strip().isdigit():
        return {"cid": int(target)}
    return {}


def _js_pushes(encoded: str) -> list[tuple[str, dict[str, Any], str | None]]:
    """The `push` operations of a JS command attribute (`[["push", {"event": ...}]]`);
    other operations only change the browser's DOM and send nothing."""
    try:
        ops = json.loads(encoded)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"cannot read the JS command {encoded!r}: {exc}") from None
    return [(args["event"], dict(args.get("value") or {}), args.get("target"))
            for kind, args in ops if kind == "push"]


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"user": {"name": "x"}}` → `{"user[name]": "x"}` (Plug-style names)."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def _set_values(form: _dom.Element, values: dict[str, Any], selector: str) -> None:
    """Put what the user typed or picked into the parsed form, as the browser's DOM would."""
    controls = _dom.form_controls(form)
    for name, value in values.items():
        matching = [c for c in controls if c.attrs["name"] == name]
        if not matching:
            raise AssertionError(f"{selector}: no enabled input, select or textarea named "
                                 f"{name!r} in the form; it has "
                                 f"{sorted({c.attrs['name'] for c in controls})}")
        wanted = [value] if not isinstance(value, (list, tuple)) else list(value)
        texts = [v for v in wanted if not isinstance(v, bool)]
        for control in matching:
            kind = (control.get("type") or "text").lower() if control.tag == "input" else ""
            if kind in ("checkbox", "radio"):
                own = control.get("value", "on")
                on = (value if isinstance(value, bool)
                      else own in [str(v) for v in texts])
                control.attrs.pop("checked", None)
                if on:
                    control.attrs["checked"] = ""
            elif control.tag == "select":
                chosen = [str(v) for v in texts]
                for option in control.select("option"):
                    option.attrs.pop("selected", None)
                    if _dom.element_value(option) in chosen:
                        option.attrs["selected"] = ""
            elif control.tag == "textarea":
                control.children = [str(texts[0]) if texts else ""]
            elif control.tag == "input":
                # Several inputs of one name (`tags[]`) take the values in order.
                control.attrs["value"] = str(texts.pop(0)) if texts else ""


def _binary_frame(join_ref: str, ref: str, topic: str, event: str, data: bytes) -> bytes:
    """A push with a binary payload as the client's serializer encodes it (kind 0, the four
    field lengths, the fields, the bytes)."""
    fields = [join_ref.encode(), ref.encode(), topic.encode(), event.encode()]
    return bytes([0, *(len(f) for f in fields)]) + b"".join(fields) + data


# Django's test runner ---------------------------------------------------------------------------
def _closing_clients(test: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(test)
    async def run(self: LiveViewTestMixin, *args: Any, **kwargs: Any) -> Any:
        try:
            return await test(self, *args, **kwargs)
        finally:
            # In the test's own event loop: the websockets belong to it.
            for client in self._live_clients:
                await client.close()
            self._live_clients.clear()
    run._closes_live_clients = True  # type: ignore[attr-defined]
    return run


class LiveViewTestMixin:
    """For Django's test runner: `await self.live(path)` in `async def test_...` methods
    opens a page (HTTP render, then join) and returns its `LiveViewTestClient`; the clients
    are closed when the test method returns. Use it with `TransactionTestCase` (or take
    `LiveViewTestCase`): sessions and sync handlers run in other threads, which would not
    see a `TestCase` transaction's data."""

    live_application: Any = None  # default: settings.ASGI_APPLICATION

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if (name.startswith("test") and inspect.iscoroutinefunction(value)
                    and not getattr(value, "_closes_live_clients", False)):
                setattr(cls, name, _closing_clients(value))

    @property
    def _live_clients(self) -> list[LiveViewTestClient]:
        clients = self.__dict__.get("_live_clients_list")
        if clients is None:
            clients = self.__dict__["_live_clients_list"] = []
        return clients

    def live_client(self, **kwargs: Any) -> LiveViewTestClient:
        """A client not yet on any page (log it in with `client.http`, then `open`)."""
        kwargs.setdefault("application", self.live_application)
        client = LiveViewTestClient(**kwargs)
        self._live_clients.append(client)
        return client

    async def live(self, path: str, **kwargs: Any) -> LiveViewTestClient:
        """A client on `path`, joined."""
        client = self.live_client(**kwargs)
        await client.open(path)
        return client


class LiveViewTestCase(LiveViewTestMixin, TransactionTestCase):
    """`TransactionTestCase` with `self.live(path)`."""
