"""Upload messages on the view's own `lv:` topic: file selection, preflight, progress.

These run inside the view's actor (`LiveViewChannel`), in mailbox order with its events,
so the upload state a handler sees never changes under it.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .callbacks import call_user
from .core import protocol as p
from .core import uploads as rules
from .core.uploads import ClientEntry
from .tokens import sign_upload_token
from .uploads import UploadConfig

if TYPE_CHECKING:
    from .channel import LiveViewChannel

logger = logging.getLogger(__name__)


def _parse_entries(topic: str, config: UploadConfig, raw: Any) -> list[ClientEntry] | None:
    if not isinstance(raw, list):
        logger.warning("%s: upload %s: entries must be a list, got %s", topic, config.name,
                       type(raw).__name__)
        return None
    try:
        return [ClientEntry.parse(item) for item in raw]
    except ValueError as exc:
        logger.warning("%s: upload %s: %s", topic, config.name, exc)
        return None


def register_change_uploads(channel: LiveViewChannel, uploads: Any) -> None:
    """The `uploads` of a phx-change event: register the selected files before handle_event."""
    if not isinstance(uploads, dict) or channel.socket is None:
        return
    manager = channel.socket.upload_manager
    for upload_ref, raw in uploads.items():
        config = manager.by_ref(upload_ref)
        if config is None:
            logger.info("%s: change event for unknown upload %r ignored", channel.topic,
                        upload_ref)
            continue
        entries = _parse_entries(channel.topic, config, raw)
        if entries is not None:
            config.put_entries(entries)


async def push_render(channel: LiveViewChannel) -> None:
    """Re-render after a change that no client request asked for, and push the diff."""
    diff = await channel._after_handler()
    if diff:
        await channel.send(p.push(channel.join_ref, channel.topic, p.DIFF, diff))


async def _reply(channel: LiveViewChannel, frame: p.Frame, response: dict[str, Any]) -> None:
    diff = await channel._after_handler()
    if diff:
        response["diff"] = diff
    await channel.send(p.reply(channel.join_ref, frame.ref, channel.topic, response))


async def handle_allow_upload(channel: LiveViewChannel, frame: p.Frame) -> None:
    """Preflight: validate the entries and give each valid one a signed upload token."""
    payload, socket = frame.payload, channel.socket
    assert socket is not None
    ref = payload.get("ref")
    config = socket.upload_manager.by_ref(ref)
    if config is None:
        logger.warning("%s: preflight for unknown upload %r refused", channel.topic, ref)
        await channel.send(p.reply(channel.join_ref, frame.ref, channel.topic,
                                   {"ref": ref, "error": [[str(ref), "disallowed"]]}))
        return
    entries = _parse_entries(channel.topic, config, payload.get("entries"))
    if entries is None:
        await channel.send(p.reply(channel.join_ref, frame.ref, channel.topic,
                                   {"reason": "invalid upload entries"}, ok=False))
        return
    config.put_entries(entries)
    errors = config.preflight_errors()
    if errors and not config.auto_upload:
        # The whole submit is refused; the client cancels its entries.
        await _reply(channel, frame, {"ref": config.ref, "error": errors})
        return
    cid = payload.get("cid")
    tokens = {entry.ref: sign_upload_token(channel.view_id, channel.join_ref, config.ref,
                                           entry.ref, cid)
              for entry in config.mark_preflighted()}
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
    await _reply(channel, frame, response)


async def handle_progress(channel: LiveViewChannel, frame: p.Frame) -> None:
    """Client progress for one entry; 100 completes it (if every byte really arrived)."""
    payload, socket = frame.payload, channel.socket
    assert socket is not None
    config = socket.upload_manager.by_ref(payload.get("ref"))
    entry = config.get_entry(payload.get("entry_ref")) if config is not None else None
    progress = payload.get("progress")
    if entry is None or config is None:
        # Cancelled or consumed meanwhile: nothing to update, but every push gets a reply.
        await channel.send(p.reply(channel.join_ref, frame.ref, channel.topic))
        return
    if isinstance(progress, dict):
        reason = progress.get("error")
        if not entry.errors:
            entry.add_error(rules.EXTERNAL_CLIENT_FAILURE, reason=str(reason or "")[:100])
        entry.discard_data()
    elif isinstance(progress, int) and not isinstance(progress, bool) and 0 <= progress <= 100:
        if not entry.done and not entry.errors:
            _advance(entry, progress)
            if config.progress_callback is not None:
                await call_user(config.progress_callback, entry, socket)
    else:
        await channel.send(p.reply(channel.join_ref, frame.ref, channel.topic,
                                   {"reason": f"progress must be 0..100 or {{error}}, "
                                              f"got {progress!r}"}, ok=False))
        return
    await _reply(channel, frame, {})


def _advance(entry: Any, progress: int) -> None:
    if progress < 100:
        # Never ahead of the bytes the server holds: a client cannot claim progress it lacks.
        held = entry.received * 100 // entry.size if entry.size else 0
        entry.progress = max(entry.progress, min(progress, held, 99))
        return
    if entry.received != entry.size or entry.path is None:
        logger.warning("upload %s: progress 100 with %d of %d bytes received", entry.name,
                       entry.received, entry.size)
        entry.add_error(rules.INCOMPLETE)
        entry.discard_data()
        return
    entry.finish_writer()
    entry.progress = 100
    entry.done = True
