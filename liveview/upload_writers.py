"""Upload writers: chunks streamed straight into their destination, without a temp file.

`allow_upload(name, writer=factory)`: when an entry's upload starts, `factory(name, entry,
socket)` returns an `UploadWriter`. Each chunk goes to `write_chunk` as it arrives (nothing
accumulates), `close("done")` follows the last byte, and `meta()` is what the view gets when it
consumes the entry. On cancel, a client that leaves or disconnects, a view that ends, an entry
past its size limit or a `write_chunk` that raises, `close("cancel")` or `close("error")`
lets the writer remove what it wrote. Writers run in the event loop between chunks, as the
temp-file path does: keep each call short (a local write), or hand slow work to a thread.
"""
from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Callable
from typing import IO, Any

from .uploads import safe_filename
logger = logging.getLogger(__name__)

#: Why a writer is closed: all bytes arrived; removed (cancelled, left, view gone, or a
#: finished entry dropped unconsumed); a failure (size limit, write_chunk raised).
CLOSE_REASONS = ("done", "cancel", "error")


class UploadWriter:
    """Where one entry's bytes go. Subclass it, or give any object with these methods.

    `close` may be called with "cancel" after "done" when a finished entry is dropped without
    being consumed: remove the destination then, as for a cancel mid-way.
    """

    def write_chunk(self, data: bytes) -> None:
        """Store one chunk (already checked against the limits). Raise to fail the entry."""
        raise NotImplementedError

    def meta(self) -> dict[str, Any]:
        """What the view receives when it consumes the entry (called after close("done"))."""
        return {}

    def close(self, reason: str) -> None:
        """The upload ended: "done", "cancel" or "error" (see CLOSE_REASONS)."""


class StorageWriter(UploadWriter):
    """Streams into a Django storage under `name` (made unique by the storage).

    A storage with local paths (`FileSystemStorage` and its subclasses) gets the final file
    created exclusively and written chunk by chunk. Any other storage is written through
    `storage.open(name, "wb")`, which streams only if that storage's writable files do (see
    docs/uploads.md); the partial object is deleted on cancel and error.
    """

    def __init__(self, name: str, *, storage: Any = None, content_type: str = ""):
        from django.core.files.storage import storages

        from .conf import liveview_settings

        alias = storage if storage is not None else liveview_settings.UPLOAD_STORAGE
        self.storage = storages[alias] if isinstance(alias, str) else alias
        self.alias = alias if isinstance(alias, str) else None
        self.content_type = content_type
        self.size = 0
        self._file: IO[bytes] | Any | None = None
        self._state = "open"
        self.name = self._open(name)

    def _local_path(self, name: str) -> str | None:
        from django.core.files.storage import FileSystemStorage

        # Only a FileSystemStorage's path() is where its files really are (InMemoryStorage,
        # for one, has a path() that is never written).
        if isinstance(self.storage, FileSystemStorage):
            return str(self.storage.path(name))
        return None

    def _open(self, name: str) -> str:
        for _attempt in range(20):
            available = self.storage.get_available_name(name)
            path = self._local_path(available)
            if path is None:
                self._file = self.storage.open(available, "wb")
                return str(available)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                # O_EXCL: never overwrite a file another upload created meanwhile.
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                fd = os.open(path, flags, 0o666)
            except FileExistsError:
                continue
            mode = getattr(self.storage, "file_permissions_mode", None)
            if mode is not None:
                os.chmod(path, mode)
            self._file = os.fdopen(fd, "wb", buffering=0)
            return str(available)
        raise OSError(f"no free name for {name!r} in {self.storage!r}")

    def write_chunk(self, data: bytes) -> None:
        assert self._file is not None, "write after close"
        self._file.write(data)
        self.size += len(data)

    def meta(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "storage": self.alias,
                "content_type": self.content_type}

    def close(self, reason: str) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.close()
        if reason == "done":
            self._state = "done"
        elif self._state != "removed":
            self._state = "removed"
            self.storage.delete(self.name)


def storage_writer(upload_to: str = "", *, storage: Any = None
                   ) -> Callable[[str, Any, Any], StorageWriter]:
    """A `writer=` factory: each entry streams into `storage` (an alias of settings.STORAGES,
    a Storage, or None for LIVEVIEW UPLOAD_STORAGE) under `upload_to/` with its own safe
    file name. The consumer receives `{"name", "size", "storage", "content_type"}`."""
    def factory(_name: str, entry: Any, _socket: Any) -> StorageWriter:
        return StorageWriter(posixpath.join(upload_to, safe_filename(entry.name)),
                             storage=storage, content_type=entry.content_type)
    return factory


class CallbackWriter(UploadWriter):
    """A writer made of plain functions: `on_chunk(data)` per chunk, `on_close(reason)` at
    the end (optional), `meta` the dict (or a function returning it) given to the consumer."""

    def __init__(self, on_chunk: Callable[[bytes], Any],
                 on_close: Callable[[str], Any] | None = None,
                 meta: dict[str, Any] | Callable[[], dict[str, Any]] | None = None):
        if not callable(on_chunk):
            raise TypeError(f"CallbackWriter: on_chunk must be callable, got {on_chunk!r}")
        self.on_chunk, self.on_close, self._meta = on_chunk, on_close, meta

    def write_chunk(self, data: bytes) -> None:
        self.on_chunk(data)

    def meta(self) -> dict[str, Any]:
        meta = self._meta() if callable(self._meta) else self._meta
        return dict(meta or {})

    def close(self, reason: str) -> None:
        if self.on_close is not None:
            self.on_close(reason)
