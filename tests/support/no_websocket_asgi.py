"""The demo project behind a proxy that refuses websocket upgrades (HTTP 403), as some
corporate proxies and hosting platforms do: pages must go live over long polling."""
from __future__ import annotations

from typing import Any

from channels.security.websocket import WebsocketDenier

from demo_project.asgi import application as demo_application


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        # Closing before accepting answers the upgrade request with a 403.
        await WebsocketDenier()(scope, receive, send)
        return
    await demo_application(scope, receive, send)
