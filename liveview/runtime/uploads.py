"""Uploads on the wire: the upload messages of a view's `lv:` topic, and `lvu:` topics.

On the view's own topic, inside its actor (in mailbox order with its events): files chosen in
a phx-change, the preflight (`allow_upload`: validate, issue upload tokens) and progress
reports. On an `lvu:<entry ref>` topic: one file's binary chunks, written as they are read
(a client cannot queue more than the socket carries, and other topics wait at most one chunk
write). Every change of an entry's state is a move of its state machine
(`liveview.uploads.UploadEntry`); state the view's handlers can see only changes in its actor.
Limits are enforced on the bytes that actually arrive.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ..callbacks import call_user
from ..core import protocol as p
from ..core import uploads as rules
from ..core.uploads import ClientEntry, EntryEvent, EntryState
from ..exceptions import ProtocolError, UploadRejected, UploadTokenError
from ..tokens import sign_upload_token, verify_upload_token
from ..uploads import UploadConfig, UploadEntry, UploadManager
from .outbound import Outbound, Send

logger = logging.getLogger(__name__)

# Join error reasons the client knows for upload channels.
INVALID_TOKEN = "invalid_token"
ALREADY_REGISTERED = "already_registered"
DISALLOWED = "disallowed"
WRITER_ERROR = rules.WRITER_ERROR
FILE_SIZE_LIMIT_EXCEEDED = "file_size_limit_exceeded"


# On the view's `lv:` topic ---------------------------------------------------------------------
def _parse_entries(topic: str, config: UploadConfig, raw: Any) -> list[ClientEntry] | None:
    if not isinstance(raw, list):
        logger.warning("%s: upload %s: entries must be a list, got %s", topic, config.name,
                       type(raw).__name__)
        return None
    if len(raw) > config.entry_cap:
        # Counted before any per-entry work: a flood costs one len().
        logger.warning("%s: upload %s: %d entries declared, at most %d kept (max_files %d); "
                       "refused", topic, config.name, len(raw), config.entry_cap,
                       config.max_files)
        config.refuse_flood()
        return []
    try:
        return [ClientEntry.parse(item) for item in raw]
    except ValueError as exc:
        logger.warning("%s: upload %s: %s", topic, config.name, exc)
        return None


def register_change_uploads(manager: UploadManager, uploads: Any, topic: str) -> None:
    """The `uploads` of a phx-change event: register the chosen files before handle_event."""
    if not isinstance(uploads, dict):
        return
    for upload_ref, raw in uploads.items():
        config = manager.by_ref(upload_ref)
        if config is None:
            logger.info("%s: change event for unknown upload %r ignored", topic, upload_ref)
            continue
        entries = _parse_entries(topic, config, raw)
        if entries is not None:
            config.put_entries(entries)


async def preflight(manager: UploadManager, payload: dict[str, Any], *, view_id: str,
                    join_ref: str | None, topic: str) -> dict[str, Any]:
    """`allow_upload`: validate the entries, give each valid one a signed upload token (or,
    for an external upload, the meta its `external` callable returns).

    Returns the reply's response; ProtocolError when the entries are malformed.
    """
    ref = payload.get("ref")
    config = manager.by_ref(ref)
    if config is None:
        logger.warning("%s: preflight for unknown upload %r refused", topic, ref)
        return {"ref": ref, "error": [[str(ref), DISALLOWED]]}
    entries = _parse_entries(topic, config, payload.get("entries"))
    if entries is None:
        raise ProtocolError("invalid upload entries")
    config.put_entries(entries)
    errors = config.preflight_errors()
    if errors and not config.auto_upload:
        # The whole submit is refused; the client cancels its entries.
        return {"ref": config.ref, "error": errors}
    cid = payload.get("cid")
    if config.external is not None:
        tokens, refused = await _external_metas(config, config.preflight(), topic)
        if refused and not config.auto_upload:
            # As a non-auto upload with an invalid entry: the whole submit is refused.
            return {"ref": config.ref, "error": refused}
        errors += refused
    else:
        tokens = {entry.ref: sign_upload_token(view_id, join_ref, config.ref, entry.ref, cid)
                  for entry in config.preflight()}
    response: dict[str, Any] = {
        "ref": config.ref,
        "config": {"chunk_size": config.chunk_size, "chunk_timeout": config.chunk_timeout,
                   "max_entries": config.max_files, "max_file_size": config.max_file_size},
        # Entries left out are cancelled by the client (auto upload: only those).
        "entries": tokens,
    }
    if errors:
        grouped: dict[str, list[str]] = {}
        for error_ref, code in errors:
            grouped.setdefault(error_ref, []).append(code)
        response["errors"] = grouped
    return response


async def _external_metas(config: UploadConfig, entries: list[UploadEntry], topic: str
                          ) -> tuple[dict[str, Any], list[list[str]]]:
    """Call `config.external(entry, socket)` for each entry: the metas for the reply, and
    `[ref, code]` for entries it refused (`UploadRejected`; those entries fail). Anything
    else it raises is a bug of the view and crashes it, as a handler's would."""
    metas: dict[str, Any] = {}
    refused: list[list[str]] = []
    assert config.external is not None
    for entry in entries:
        try:
            meta = await call_user(config.external, entry, config.manager.socket)
        except UploadRejected as exc:
            logger.info("%s: upload %s: external refused %s (%s)", topic, config.name,
                        entry.name, exc.code)
            entry.add_error(exc.code, exc.message)
            entry.move(EntryEvent.FAIL)
            refused.append([entry.ref, exc.code])
            continue
        metas[entry.ref] = entry.meta = _checked_meta(config, meta)
    return metas, refused


def _checked_meta(config: UploadConfig, meta: Any) -> dict[str, Any]:
    where = f"allow_upload({config.name!r}): external"
    if not isinstance(meta, dict) or not isinstance(meta.get("uploader"), str) \
            or not meta["uploader"]:
        raise TypeError(f"{where} must return a dict with 'uploader' (the name of a client "
                        f"uploader, e.g. 'S3'), got {meta!r}")
    try:
        json.dumps(meta)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where} returned a meta that is not JSON: {exc}") from None
    return meta


def progress(manager: UploadManager, payload: dict[str, Any]) -> UploadEntry | None:
    """Client progress for one entry; 100 completes it (if every byte really arrived).

    Returns the entry whose `progress` callback should run, None when nothing moved (the
    entry is gone, or already done or failed); ProtocolError for a progress value that is
    neither 0..100 nor an error object.
    """
    entry = manager.find_entry(payload.get("ref"), payload.get("entry_ref"))
    value = payload.get("progress")
    if isinstance(value, dict):
        if entry is not None and entry.can(EntryEvent.FAIL):
            entry.fail(rules.EXTERNAL_CLIENT_FAILURE, reason=str(value.get("error") or "")[:100])
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ProtocolError(f"progress must be 0..100 or {{error}}, got {value!r}")
    if entry is not None and entry.external:
        return _external_progress(entry, value)
    if entry is None or entry.state is not EntryState.UPLOADING:
        return None
    if value < 100:
        # Never ahead of the bytes the server holds: a client cannot claim progress it lacks.
        held = entry.received * 100 // entry.size if entry.size else 0
        entry.progress = max(entry.progress, min(value, held, 99))
    elif entry.received != entry.size or not entry.receiving:
        logger.warning("upload %s: progress 100 with %d of %d bytes received", entry.name,
                       entry.received, entry.size)
        entry.fail(rules.INCOMPLETE)
    else:
        entry.complete()
    return entry


def _external_progress(entry: UploadEntry, value: int) -> UploadEntry | None:
    """Progress of an upload the browser sends elsewhere: the server holds no bytes to check
    it against, so the storage's own checks (the presigned policy) are what limit it."""
    if entry.state not in (EntryState.PREFLIGHTED, EntryState.UPLOADING):
        return None
    entry.start_external()
    if value < 100:
        entry.progress = max(entry.progress, value)
    else:
        entry.complete()
    return entry


@dataclass(frozen=True)
class UploadFailed:
    """Posted by an upload channel to its view's mailbox: the entry failed there."""

    upload_ref: str
    entry_ref: str
    code: str
    received: int

    @property
    def name(self) -> str:  # how the view's error log names mailbox items
        return f"upload {self.entry_ref} failed ({self.code})"

    async def apply(self, view: Any, socket: Any) -> bool:
        """Mark the entry failed (True), unless it is gone or already settled (False)."""
        entry = socket.upload_manager.find_entry(self.upload_ref, self.entry_ref)
        if entry is None or not entry.can(EntryEvent.FAIL):
            return False
        entry.fail(self.code, size=max(entry.size, self.received))
        return True


# `lvu:` topics ------------------------------------------------------------------------------------
class UploadHost(Protocol):
    """The joined view an upload channel streams into."""

    join_ref: str | None
    closed: bool

    @property
    def upload_manager(self) -> UploadManager | None: ...

    def post_internal(self, item: Any) -> None: ...


class UploadChannel:
    """One `lvu:<entry ref>` topic: one entry's chunks, for the view that issued its token."""

    def __init__(self, out: Outbound, host: UploadHost, config: UploadConfig,
                 entry: UploadEntry):
        self.out = out
        self.host = host
        self.config = config
        self.entry = entry
        self.closed = False

    def handle(self, frame: p.Frame) -> None:
        """A frame for this topic after the join."""
        if frame.event == p.LEAVE:
            # The client leaves after an error; the view itself is not affected.
            self.out.reply(frame.ref)
            if self.entry.state is EntryState.UPLOADING:
                self.entry.abort()
            self.close()
        elif frame.event == p.CHUNK and isinstance(frame.payload, bytes):
            self._chunk(frame)
        else:
            logger.warning("%s: %r refused (only binary chunks and phx_leave)", self.out.topic,
                           frame.event)
            self.out.refuse(frame.ref, f"unknown event {frame.event!r}")

    def _chunk(self, frame: p.Frame) -> None:
        entry, data = self.entry, frame.payload
        if not entry.receiving:
            self.out.refuse(frame.ref, DISALLOWED)
            return
        limit = min(entry.size, self.config.max_file_size)
        if entry.received + len(data) > limit:
            logger.warning("%s: %s sent %d bytes past its limit of %d bytes; upload cut off",
                           self.out.topic, entry.name, entry.received + len(data) - limit, limit)
            entry.discard_data("error")
            self.out.reply(frame.ref, {"reason": FILE_SIZE_LIMIT_EXCEEDED, "limit": limit},
                           ok=False)
            self.close()
            self.host.post_internal(UploadFailed(self.config.ref, entry.ref, rules.TOO_LARGE,
                                                 entry.received + len(data)))
            return
        try:
            entry.write(data)
        except Exception:
            # A full disk, or a writer's destination refusing: the partial data goes, the
            # entry fails (the client stops without reporting: writer_error is final).
            logger.exception("%s: writing %s failed", self.out.topic, entry.name)
            entry.discard_data("error")
            self.out.refuse(frame.ref, WRITER_ERROR)
            self.close()
            self.host.post_internal(UploadFailed(self.config.ref, entry.ref, WRITER_ERROR,
                                                 entry.received))
            return
        self.out.reply(frame.ref)

    def close(self) -> None:
        """`phx_close`: the client stops pushing chunks and does not rejoin; frames for this
        topic are no longer routed here."""
        if not self.closed:
            self.closed = True
            self.out.close()


def open_upload_channel(frame: p.Frame, send: Send,
                        find_view: Callable[[str], UploadHost | None]
                        ) -> UploadChannel | None:
    """Answer the join of an `lvu:` topic: its channel, or None after an error reply."""
    out = Outbound(send, frame.topic, frame.join_ref)

    def refuse(reason: str, why: str) -> None:
        logger.warning("join of %s refused (%s): %s", frame.topic, reason, why)
        out.refuse(frame.ref, reason)

    payload = frame.payload if isinstance(frame.payload, dict) else {}
    try:
        claims = verify_upload_token(payload.get("token"))
    except UploadTokenError as exc:
        refuse(INVALID_TOKEN, str(exc))
        return None
    entry_ref = frame.topic[len(p.UPLOAD_TOPIC_PREFIX):]
    if claims["e"] != entry_ref:
        refuse(INVALID_TOKEN, f"token is for entry {claims['e']!r}, not {entry_ref!r}")
        return None
    view = find_view(p.LV_TOPIC_PREFIX + claims["v"])
    manager = view.upload_manager if view is not None and not view.closed else None
    if view is None or manager is None or view.join_ref != claims["j"]:
        refuse(INVALID_TOKEN, "token is not for a view joined on this websocket")
        return None
    config = manager.by_ref(claims["u"])
    entry = config.get_entry(entry_ref) if config is not None else None
    if config is None or entry is None:
        refuse(DISALLOWED, "entry unknown (cancelled or consumed)")
        return None
    if entry.state is EntryState.UPLOADING:
        refuse(ALREADY_REGISTERED, "this entry is already uploading")
        return None
    if not entry.can(EntryEvent.START):
        refuse(DISALLOWED, f"entry is {entry.state.value}, not preflighted")
        return None
    if entry.external:
        refuse(DISALLOWED, "an external upload has no upload channel")
        return None
    try:
        entry.start()
    except Exception as exc:
        logger.exception("%s: cannot open the destination of %s", frame.topic, entry.name)
        refuse(WRITER_ERROR, f"cannot open the destination: {exc}")
        view.post_internal(UploadFailed(config.ref, entry.ref, WRITER_ERROR, 0))
        return None
    out.reply(frame.ref)
    return UploadChannel(out, view, config, entry)
