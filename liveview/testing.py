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

import json
import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlencode

from channels.testing import WebsocketCommunicator
from django.test import AsyncClient

from .core import tree as _tree
from .core.components import reachable_cids
from .core.wire import COMPONENTS

_CONTAINER = re.compile(
    r'<(?P<tag>\w+) id="(?P<id>[^"]+)" data-phx-main data-phx-session="(?P<session>[^"]*)" '
    r'data-phx-static="(?P<static>[^"]*)">')
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


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


class LiveViewTestClient:
    """Drives one LiveView page over HTTP and the websocket."""

    def __init__(self, application: Any, *, host: str = "testserver", timeout: float = 5):
        self.application = application
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

    # HTTP ---------------------------------------------------------------------------------
    async def get(self, path: str) -> str:
        """Load the page over HTTP (the first render) and remember its tokens."""
        response = await self.http.get(path)
        if response.status_code != 200:
            raise AssertionError(f"GET {path} answered {response.status_code}")
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
            raise AssertionError("websocket connection refused")

    def next_ref(self) -> str:
        self._ref += 1
        return str(self._ref)

    async def send(self, frame: list[Any]) -> None:
        """Send a raw frame `[join_ref, ref, topic, event, payload]`."""
        assert self.communicator is not None, "connect() first"
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def receive(self, timeout: float | None = None) -> list[Any]:
        """The next frame from the server (pushes are applied to `html` as they come)."""
        assert self.communicator is not None, "connect() first"
        frame = json.loads(await self.communicator.receive_from(timeout or self.timeout))
        if frame[3] == "diff":
            self._apply(frame[4])
        return frame

    async def request(self, topic: str, event: str, payload: dict[str, Any],
                      join_ref: str | None = None) -> dict[str, Any]:
        """Push a frame and return the reply's payload; pushes received meanwhile apply.

        A view that crashes handling it sends `phx_error` instead of a reply: ViewCrashed.
        """
        ref = self.next_ref()
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
        await self.send([self.join_ref, self.join_ref, self.topic, "phx_join", payload])
        while True:
            frame = await self.receive()
            if frame[1] == self.join_ref and frame[3] == "phx_reply":
                break
        reply = frame[4]
        if reply["status"] == "ok":
            self.tree = None
            self._apply(reply["response"]["rendered"])
        return reply

    async def open(self, path: str) -> dict[str, Any]:
        """`get(path)` then `join()`, as a browser opening the page; returns the join reply."""
        await self.get(path)
        reply = await self.join()
        if reply["status"] != "ok":
            raise AssertionError(f"join of {path} refused: {reply['response']}")
        return reply

    @property
    def topic(self) -> str:
        return f"lv:{self.view_id}"

    async def event(self, event: str, value: Any, *, type: str = "click",
                    **extra: Any) -> dict[str, Any]:
        """Send an `event` frame and apply the reply's diff."""
        reply = await self.request(self.topic, "event",
                                   {"type": type, "event": event, "value": value, **extra})
        if reply["status"] == "ok" and "diff" in reply["response"]:
            self._apply(reply["response"]["diff"])
        return reply

    async def click(self, event: str, *, cid: int | None = None, **values: str
                    ) -> dict[str, Any]:
        """A phx-click on a button carrying `phx-value-*` attributes (`cid`: its phx-target
        is that component, e.g. `client.cid_of("row-3")`)."""
        extra = {"cid": cid} if cid is not None else {}
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
        """Disconnect the websocket."""
        if self.communicator is not None:
            await self.communicator.disconnect()
            self.communicator = None

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
