"""Loading a LiveView page the way a browser tab does, for the benches' websocket clients."""
from __future__ import annotations

import asyncio


async def http_get(port: int, path: str) -> tuple[int, list[str], str]:
    """A minimal HTTP/1.0 GET on 127.0.0.1 (no chunking, closes after): status, Set-Cookie
    values, body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    cookies = [line.split(":", 1)[1].strip() for line in lines[1:]
               if line.lower().startswith("set-cookie:")]
    return int(lines[0].split()[1]), cookies, body.decode()


def cookie_header(set_cookies: list[str]) -> str:
    """The `Cookie` request header a browser sends back for these Set-Cookie values."""
    return "; ".join(value.split(";", 1)[0] for value in set_cookies)
