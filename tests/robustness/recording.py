"""The recorded client frames (recording.json) and how a replay fills them in.

`record.py` stores what the real phoenix_live_view client sent, one session per page load,
with the values that belong to that page load (view id, session and static tokens, CSRF token,
origin, upload tokens) replaced by placeholders. A replay fills the placeholders with the
values of a fresh page load, so every frame is one the server would accept before mutation.

A frame is stored as `{"text": "<json>"}` or, for binary pushes (upload chunks), as
`{"binary": [join_ref, ref, topic, event], "data": "<base64>"}`.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liveview.core.tree import merge_diff, tree_to_html

RECORDING = Path(__file__).with_name("recording.json")

# Placeholders of one page load; UPLOAD_TOKEN takes the entry ref after a colon.
VIEW = "@@VIEW@@"
SESSION = "@@SESSION@@"
STATIC = "@@STATIC@@"
CSRF = "@@CSRF@@"
ORIGIN = "@@ORIGIN@@"
UPLOAD_TOKEN = "@@UPLOAD:"
# An upload config's ref (random per mount), by its position in the join's rendered page.
UPLOAD_REF = "@@UPLOADREF:"
_UPLOAD_PLACEHOLDER = re.compile(r"@@UPLOAD:([^@\"]*)@@")
_UPLOAD_REF_PLACEHOLDER = re.compile(r"@@UPLOADREF:(\d+)@@")
_UPLOAD_REF_ATTR = re.compile(r'data-phx-upload-ref="([^"]+)"')


def upload_refs(join_reply: Any) -> list[str]:
    """The upload config refs in a join reply's rendered page, in page order."""
    try:
        rendered = join_reply[4]["response"]["rendered"]
    except (TypeError, KeyError, IndexError):
        return []
    return _UPLOAD_REF_ATTR.findall(tree_to_html(merge_diff(None, rendered)))


def encode_binary(join_ref: str, ref: str, topic: str, event: str, payload: bytes) -> bytes:
    """A binary push as the client builds it: kind 0, four length bytes, four UTF-8 fields."""
    head = [(v or "").encode("utf-8") for v in (join_ref, ref, topic, event)]
    if any(len(h) > 255 for h in head):
        raise ValueError("a binary frame's header field is at most 255 bytes")
    return bytes([0, *map(len, head)]) + b"".join(head) + payload


@dataclass
class Session:
    """The frames of one page load, in the order the client sent them."""

    path: str
    frames: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PageValues:
    """The values of a fresh page load that fill the placeholders."""

    view_id: str
    session: str
    static: str
    csrf: str
    origin: str
    upload_tokens: dict[str, str] = field(default_factory=dict)
    upload_refs: list[str] = field(default_factory=list)

    def fill(self, text: str) -> str:
        for placeholder, value in ((VIEW, self.view_id), (SESSION, self.session),
                                   (STATIC, self.static), (CSRF, self.csrf),
                                   (ORIGIN, self.origin)):
            text = text.replace(placeholder, value)
        if UPLOAD_REF in text:
            text = _UPLOAD_REF_PLACEHOLDER.sub(
                lambda m: (self.upload_refs[int(m.group(1))]
                           if int(m.group(1)) < len(self.upload_refs) else m.group(0)), text)
        if UPLOAD_TOKEN in text:
            # A preflight the replay mutated gets no token: the placeholder stays, an invalid
            # token the server must refuse.
            text = _UPLOAD_PLACEHOLDER.sub(
                lambda m: self.upload_tokens.get(m.group(1), m.group(0)), text)
        return text

    def learn(self, reply: Any) -> None:
        """Remember the upload refs of a join reply and the upload tokens of an allow_upload
        reply (`entries`: ref -> token)."""
        if isinstance(reply, list) and len(reply) == 5 and reply[3] == "phx_reply":
            refs = upload_refs(reply)
            if refs:
                self.upload_refs = refs
        try:
            entries = reply[4]["response"]["entries"]
        except (TypeError, KeyError, IndexError):
            return
        if isinstance(entries, dict):
            self.upload_tokens.update({str(k): v for k, v in entries.items()
                                       if isinstance(v, str)})


def frame_bytes_or_text(frame: dict[str, Any], values: PageValues) -> str | bytes:
    """The frame ready to send, placeholders filled."""
    if "text" in frame:
        return values.fill(frame["text"])
    head = [values.fill(v) for v in frame["binary"]]
    return encode_binary(*head, base64.b64decode(frame["data"]))


def load(path: Path = RECORDING) -> list[Session]:
    data = json.loads(path.read_text())
    return [Session(s["path"], s["frames"]) for s in data["sessions"]]
