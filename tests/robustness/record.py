"""Record what the real phoenix_live_view client sends, for the mutated-frames scenario.

    .venv/bin/python -m tests.robustness.record      # rewrites tests/robustness/recording.json

Starts a daphne process on the demo project, drives Debian's Chromium through the demo pages
(joins, clicks, form change and submit, an upload's preflight and chunks, live_patch links,
a chat message, a heartbeat) and stores every frame each page's websocket sent, with the values
of that page load replaced by placeholders (see recording.py). Run it again after a client
upgrade; the suite replays the stored file, it never records.
"""
from __future__ import annotations

import base64
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from playwright.sync_api import expect, sync_playwright

from tests.support.servers import ServerFactory, migrate_template_db

from . import recording as rec

CHROMIUM = "/usr/bin/chromium"
CONNECTED = "[data-phx-main].phx-connected"
HEARTBEAT = "window.liveSocket.getSocket().sendHeartbeat()"


def _counter(page) -> None:
    for _ in range(3):
        page.click("#increment")
    page.click("#decrement")
    expect(page.locator("#count")).to_have_text("2")
    page.evaluate(HEARTBEAT)


def _register(page) -> None:
    page.fill("#id_username", "ab")
    page.fill("#id_email", "not-an-email")
    page.click("#register-submit")
    expect(page.locator(".errorlist").first).to_be_visible()
    page.fill("#id_username", "robust_recorder")
    page.fill("#id_email", "robust@example.com")
    page.fill("#id_full_name", "Ada Lovelace")
    page.check("#id_accept_terms")
    page.click("#register-submit")
    expect(page.locator("#flash-info")).to_contain_text("Welcome")


def _items(page) -> None:
    page.click("#next")
    page.wait_for_url(re.compile(r"page=2"))
    page.click("#prev")
    page.wait_for_url(re.compile(r"page=1"))
    page.click("#last")
    expect(page.locator("#next")).to_have_count(0)


def _chat(page) -> None:
    page.fill("#chat-name", "Recorder")
    page.fill("#chat-message", "hello from the recording")
    page.click("#chat-send")
    expect(page.locator("#messages .text")).to_contain_text(["hello from the recording"])


def _documents(page) -> None:
    # Two chunks (64,000 bytes each): a preflight, an upload join, chunks, progress, submit.
    body = (b"robustness recording line\n" * 4000)[:90_000]
    page.set_input_files("#document-form input[type=file]",
                         files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": body}])
    expect(page.locator("#document-entries .entry")).to_have_count(1)
    page.click("#save")
    expect(page.locator("#message")).to_contain_text("Saved")


SCRIPTS: list[tuple[str, Callable[[Any], None]]] = [
    ("/counter/", _counter), ("/register/", _register), ("/items/", _items),
    ("/chat/", _chat), ("/uploads/documents/", _documents),
]


class _Capture:
    """The frames one page's websocket(s) sent, and the server's replies (for upload tokens)."""

    def __init__(self) -> None:
        self.sent: list[str | bytes] = []
        self.received: list[str] = []

    def watch(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload: str | bytes) -> None:
        self.sent.append(payload)

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            self.received.append(payload)


def _page_values(sent: list[str | bytes], received: list[str]) -> dict[str, str]:
    """Literal value -> placeholder, from the joins the client sent and the preflight replies."""
    values: dict[str, str] = {}
    for raw in sent:
        if not isinstance(raw, str):
            continue
        frame = json.loads(raw)
        if frame[3] != "phx_join" or not frame[2].startswith("lv:"):
            continue
        payload = frame[4]
        values[payload["session"]] = rec.SESSION
        values[payload["static"]] = rec.STATIC
        values[payload["params"]["_csrf_token"]] = rec.CSRF
        values[frame[2][3:]] = rec.VIEW
        url = payload.get("url") or payload.get("redirect")
        values[re.match(r"https?://[^/]+", url).group(0)] = rec.ORIGIN
    for raw in received:
        frame = json.loads(raw)
        for i, ref in enumerate(rec.upload_refs(frame)):
            values[ref] = f"{rec.UPLOAD_REF}{i}@@"
        response = frame[4].get("response") if isinstance(frame[4], dict) else None
        entries = response.get("entries") if isinstance(response, dict) else None
        if isinstance(entries, dict):
            for ref, token in entries.items():
                values[token] = f"{rec.UPLOAD_TOKEN}{ref}@@"
    return values


def _placeholders(text: str, values: dict[str, str]) -> str:
    # Longest first: a view id could appear inside a token.
    for literal in sorted(values, key=len, reverse=True):
        text = text.replace(literal, values[literal])
    return text


def _store(capture: _Capture) -> list[dict[str, Any]]:
    values = _page_values(capture.sent, capture.received)
    frames: list[dict[str, Any]] = []
    for raw in capture.sent:
        if isinstance(raw, str):
            frames.append({"text": _placeholders(raw, values)})
            continue
        lengths = raw[1:5]
        start, head = 5, []
        for length in lengths:
            head.append(_placeholders(raw[start:start + length].decode(), values))
            start += length
        frames.append({"binary": head, "data": base64.b64encode(raw[start:]).decode()})
    return frames


def record(out: Path = rec.RECORDING) -> None:
    with tempfile.TemporaryDirectory(prefix="lv-record-") as tmp:
        tmp_dir = Path(tmp)
        factory = ServerFactory(tmp_dir, migrate_template_db(tmp_dir / "template.sqlite3"))
        try:
            server = factory("daphne", DEMO_MEDIA_ROOT=tmp_dir / "media")
            sessions = []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
                for path, script in SCRIPTS:
                    context = browser.new_context()
                    context.set_default_timeout(15_000)
                    page = context.new_page()
                    capture = _Capture()
                    page.on("websocket", capture.watch)
                    page.goto(server.url + path)
                    page.wait_for_selector(CONNECTED)
                    script(page)
                    page.wait_for_timeout(300)  # the last frames' replies
                    context.close()
                    sessions.append({"path": path, "frames": _store(capture)})
                    print(f"{path}: {len(sessions[-1]['frames'])} frames", file=sys.stderr)
                browser.close()
        finally:
            factory.stop_all()
    out.write_text(json.dumps({
        "client": "phoenix_live_view 1.2.12 (package-lock.json), Chromium, via record.py",
        "sessions": sessions}, indent=1) + "\n")


if __name__ == "__main__":
    record()
