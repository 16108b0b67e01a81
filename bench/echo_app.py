"""The websocket floor: a bare ASGI app answering each frame with a reply of our counter's size.

No framework, no JSON parsing: the head of the Phoenix frame (join ref, ref, topic) is cut out
of the text with one split, and the reply is the frame our counter view sends for a click
(`phx_reply` with `{"diff": {"0": "<count>"}}`), so the server's websocket stack carries the
same bytes both ways. What a server costs per frame with this app is the floor no framework on
that server can go under; `socket_load.py --apps echo` measures it beside the real view.

HTTP requests get a tiny page (servers are probed with GET / before the bench starts).
"""
from __future__ import annotations

from typing import Any

_PAGE = b"<!doctype html><title>echo</title>"


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    kind = scope["type"]
    if kind == "websocket":
        await _echo(scope, receive, send)
    elif kind == "http":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html"),
                                (b"content-length", str(len(_PAGE)).encode())]})
        await send({"type": "http.response.body", "body": _PAGE})
    elif kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    accept: dict[str, Any] = {"type": "websocket.accept"}
    if "phoenix" in (scope.get("subprotocols") or ()):
        accept["subprotocol"] = "phoenix"
    await send(accept)
    count = 0
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        text = message.get("text")
        if text is None:
            continue
        # ["<join_ref>","<ref>","<topic>","<event>",{...}]
        _, join_ref, _, ref, _, topic, _, event, _ = text.split('"', 8)
        if event == "phx_join":
            body = '{"rendered":{"0":"0","s":["<span>","</span>"]}}'
        else:
            count += 1
            body = '{"diff":{"0":"%d"}}' % count
        await send({"type": "websocket.send",
                    "text": '["%s","%s","%s","phx_reply",{"status":"ok","response":%s}]'
                            % (join_ref, ref, topic, body)})
