"""Uploads' state: the configs and entries a view renders, their temp files, consuming, storage.

`socket.allow_upload()` returns an `UploadConfig`, kept by the view's `UploadManager`, the one
owner of its entries. An entry moves through the states of `core.uploads.EntryState`, only by
the moves in `core.uploads.TRANSITIONS`: selected (phx-change `uploads`, or a preflight),
preflighted (it got an upload token), uploading (its `lvu:` topic streams chunks into a temp
file), done, then consumed (`with config.consume_upload_entry(ref) as upload: ...`, after
which the temp file is gone); or invalid, failed, cancelled. The runtime turns frames into
these moves (`liveview.runtime.uploads`); the rules (limits, accept, codes) are `core.uploads`.

Two other destinations than the temp file: an upload `writer` (`liveview.upload_writers`)
receives the chunks as they arrive, and an `external` upload never reaches the server at all
(the browser sends the file to a URL the view's callable presigned; only progress comes back).
For both, consuming hands the view a dict: the writer's `meta()`, or the external meta.
"""
from __future__ import annotations

import logging
import mimetypes
import os
import posixpath
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Protocol

from .callbacks import call_user
from .conf import liveview_settings
from .core import uploads as rules
from .core.uploads import ClientEntry, EntryEvent, EntryState, UploadConstraints
from .exceptions import ConfigurationError, UploadError

logger = logging.getLogger(__name__)

#: Longest binary frame header: kind + four lengths + four fields of at most 255 bytes.
MAX_FRAME_HEADER = 5 + 4 * 255
TEMP_PREFIX = "liveview-upload-"


class ChunkWriter(Protocol):
    """What a `writer=` factory returns (`liveview.upload_writers.UploadWriter` documents it)."""

    def write_chunk(self, data: bytes) -> Any: ...

    def meta(self) -> Any: ...

    def close(self, reason: str) -> Any: ...


class UploadEntry:
    """One file of an upload: what the client declared, its state, progress, errors, data."""

    def __init__(self, config: UploadConfig, client: ClientEntry):
        self.config = config
        self.ref = client.ref
        self.upload_ref = config.ref
        self.name = client.name
        self.size = client.size
        self.content_type = client.content_type
        self.last_modified = client.last_modified
        self.relative_path = client.relative_path
        self.state = EntryState.SELECTED
        self.progress = 0
        self.errors: list[UploadError] = []
        #: Bytes actually received by the server (what limits are enforced on).
        self.received = 0
        self.path: str | None = None
        self._file: IO[bytes] | None = None
        #: External uploads: what the `external` callable returned (sent to the client).
        #: Writer uploads: the writer's `meta()` once every byte arrived.
        self.meta: dict[str, Any] | None = None
        self._writer: ChunkWriter | None = None

    # State ---------------------------------------------------------------------------------
    def can(self, event: EntryEvent) -> bool:
        """Whether `event` may happen to this entry now."""
        return rules.next_state(self.state, event) is not None

    def move(self, event: EntryEvent) -> None:
        """Apply `event` (a move of `core.uploads.TRANSITIONS`); anything else is a bug."""
        state = rules.next_state(self.state, event)
        if state is None:
            raise RuntimeError(f"upload entry {self.ref}: {event.value} is impossible while "
                               f"{self.state.value}")
        self.state = state

    @property
    def done(self) -> bool:
        """True once every byte arrived (it stays true once the entry is consumed)."""
        return self.state in (EntryState.DONE, EntryState.CONSUMED)

    @property
    def preflighted(self) -> bool:
        """True once the entry was given an upload token."""
        return self.state in rules.PREFLIGHTED_STATES

    @property
    def cancelled(self) -> bool:
        return self.state is EntryState.CANCELLED

    @property
    def valid(self) -> bool:
        """True while the entry has no error."""
        return not self.errors

    def add_error(self, code: str, message: str = "", **details: Any) -> None:
        """Record error `code` once, with its human message (`message`, or the standard one
        of the code)."""
        if any(error.code == code for error in self.errors):
            return
        message = message or rules.error_message(code, self.config.constraints, name=self.name,
                                                 **details)
        self.errors.append(UploadError(code, message, self.ref))

    def reject(self, codes: Sequence[str]) -> None:
        """The constraints refuse this entry: it stays listed with its errors, never uploads."""
        for code in codes:
            self.add_error(code, size=self.size)
        self.move(EntryEvent.REJECT)

    def fail(self, code: str, **details: Any) -> None:
        """The upload failed: error `code`, data deleted."""
        self.add_error(code, **details)
        self.discard_data("error")
        self.move(EntryEvent.FAIL)

    @property
    def external(self) -> bool:
        """True when the browser uploads this entry elsewhere (allow_upload external=)."""
        return self.config.external is not None

    @property
    def receiving(self) -> bool:
        """True while chunks may be written (uploading, with its temp file or writer open)."""
        return self.state is EntryState.UPLOADING and (
            self._file is not None or self._writer is not None)

    # Destination (written by the upload channel) ----------------------------------------------
    def start(self) -> None:
        """Its upload channel is joined: open the writer, or the temp file, for the chunks.

        A writer factory that raises leaves the entry as it was (the join is refused).
        """
        if not self.can(EntryEvent.START) or self.external:
            raise RuntimeError(f"upload entry {self.ref}: cannot start while {self.state.value}")
        factory = self.config.writer
        if factory is not None:
            writer = factory(self.config.name, self, self.config.manager.socket)
            if not callable(getattr(writer, "write_chunk", None)) or not callable(
                    getattr(writer, "close", None)):
                raise TypeError(f"allow_upload({self.config.name!r}): writer must return an "
                                f"UploadWriter (write_chunk, meta, close), got {writer!r}")
            self.move(EntryEvent.START)
            self._writer, self.received = writer, 0
            return
        fd, path = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=temp_dir())
        self.move(EntryEvent.START)
        self.path, self.received = path, 0
        self._file = os.fdopen(fd, "wb", buffering=0)

    def write(self, data: bytes) -> None:
        """Append one chunk (already checked against the limits); a writer's error raises."""
        if self._writer is not None:
            self._writer.write_chunk(data)
        else:
            assert self._file is not None, "write before start"
            # A write of one chunk to the page cache takes microseconds: less than a thread hop.
            self._file.write(data)
        self.received += len(data)

    def start_external(self) -> None:
        """An external upload reported its first progress: it is uploading."""
        if self.state is EntryState.PREFLIGHTED:
            self.move(EntryEvent.START)

    def abort(self) -> None:
        """The client left its upload channel before the end: data deleted, may rejoin."""
        self.discard_data()
        self.move(EntryEvent.ABORT)

    def complete(self) -> None:
        """Every byte is here (or, external, the browser says so) and the client reported 100.

        A writer whose close("done") or meta() raises fails the entry (writer_error) instead.
        """
        self._close_file()
        if self._writer is not None:
            try:
                self._writer.close("done")
                meta = self._writer.meta()
            except Exception:
                logger.exception("upload %s: the writer failed to finish", self.name)
                self.fail(rules.WRITER_ERROR)
                return
            self.meta = dict(meta or {})
        self.progress = 100
        self.move(EntryEvent.COMPLETE)

    def release(self) -> None:
        """Consumed: the temp file goes; a writer is forgotten without being closed again
        (its destination now belongs to the consumer)."""
        self._writer = None
        self.discard_data()

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard_data(self, reason: str = "cancel") -> None:
        """Close and delete the temp file, or close the writer with `reason` so it removes
        its destination (cancel, error, view gone, a finished entry dropped unconsumed)."""
        self._close_file()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.close(reason)
            except Exception:
                # One writer's failure must not stop the cleanup of the others.
                logger.exception("upload %s: the writer failed to close (%s)", self.name, reason)
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except OSError:
                logger.exception("could not delete upload temp file %s", self.path)
            self.path = None

    def __repr__(self) -> str:
        return (f"<UploadEntry {self.ref} {self.name!r} {self.size}B {self.state.value} "
                f"progress={self.progress}{' errors' if self.errors else ''}>")


@dataclass
class ConsumedUpload:
    """A finished upload being consumed: `.file` is open for reading."""

    file: IO[bytes]
    name: str
    size: int
    content_type: str
    ref: str
    path: str

    def save(self, name: str | None = None, *, upload_to: str = "",
             storage: str | None = None) -> str:
        """Save into Django storage (LIVEVIEW UPLOAD_STORAGE by default); the stored name."""
        return save_upload(self, name, upload_to=upload_to, storage=storage)

    async def asave(self, name: str | None = None, *, upload_to: str = "",
                    storage: str | None = None) -> str:
        """`save()` for async handlers: the storage I/O runs in a worker thread."""
        from asgiref.sync import sync_to_async

        return await sync_to_async(save_upload)(self, name, upload_to=upload_to,
                                                storage=storage)


def save_upload(upload: ConsumedUpload, name: str | None = None, *, upload_to: str = "",
                storage: str | None = None) -> str:
    """Save `upload` with `storages[storage]` under `upload_to/`; returns the stored name."""
    from django.core.files import File
    from django.core.files.storage import storages

    alias = storage or liveview_settings.UPLOAD_STORAGE
    filename = safe_filename(name or upload.name)
    upload.file.seek(0)
    return storages[alias].save(posixpath.join(upload_to, filename),
                                File(upload.file, name=filename))


def name_type(name: str) -> str | None:
    """The MIME type of a file name's extension (what a server would serve it as), or None."""
    return mimetypes.guess_type(name.replace("\\", "/").rsplit("/", 1)[-1], strict=False)[0]


#: Longest stored file name (characters): common file systems allow 255 bytes.
MAX_FILENAME_CHARS = 100
_UNSAFE_FILENAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\\\]")


def safe_filename(name: str) -> str:
    """A client-chosen name made a file name Django's storage accepts: the last path segment
    only (never a path into the storage), no control characters (NUL), not `.` or `..`, at
    most MAX_FILENAME_CHARS characters with its extension kept."""
    base = posixpath.basename(name.replace("\\", "/"))
    base = _UNSAFE_FILENAME_CHARS.sub("_", base).strip().lstrip(".")
    if not base:
        return "upload"
    if len(base) > MAX_FILENAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        base = base[:MAX_FILENAME_CHARS - len(ext) - 1 if ext else MAX_FILENAME_CHARS]
        base = f"{base}.{ext}" if ext else base
    return base


def temp_dir() -> str:
    """Where uploads stream to (LIVEVIEW UPLOAD_TEMP_DIR, else the system temp dir)."""
    directory = liveview_settings.UPLOAD_TEMP_DIR or tempfile.gettempdir()
    os.makedirs(directory, exist_ok=True)
    return str(directory)


class UploadConfig:
    """One named upload of a view: its input, its entries and their errors."""

    def __init__(self, manager: UploadManager, name: str, constraints: UploadConstraints, *,
                 auto_upload: bool, progress: Callable[..., Any] | None, chunk_size: int,
                 external: Callable[..., Any] | None = None,
                 writer: Callable[..., Any] | None = None):
        self.manager = manager
        self.name = name
        self.ref = "phx-" + secrets.token_urlsafe(9)
        self.constraints = constraints
        self.auto_upload = auto_upload
        self.progress_callback = progress
        self.chunk_size = chunk_size
        #: `(entry, socket) -> meta`: the browser uploads elsewhere (see allow_upload).
        self.external = external
        #: `(name, entry, socket) -> UploadWriter`: chunks stream there, not to a temp file.
        self.writer = writer
        self.chunk_timeout = rules.DEFAULT_CHUNK_TIMEOUT_MS
        self.entries: list[UploadEntry] = []
        self._errors: list[UploadError] = []
        #: The last client message declared more entries than `entry_cap` (nothing stored).
        self._flooded = False

    # What templates read ---------------------------------------------------------------------
    @property
    def max_file_size(self) -> int:
        return self.constraints.max_file_size

    @property
    def max_files(self) -> int:
        return self.constraints.max_files

    @property
    def accept(self) -> tuple[str, ...] | None:
        return self.constraints.accept  # type: ignore[return-value]

    @property
    def errors(self) -> list[UploadError]:
        """Errors of the upload as a whole (too_many_files); entries have their own."""
        return list(self._errors)

    @property
    def all_errors(self) -> list[UploadError]:
        """Config errors then every entry's errors."""
        return [*self._errors, *(e for entry in self.entries for e in entry.errors)]

    @property
    def active_refs(self) -> str:
        return rules.join_refs(entry.ref for entry in self.entries)

    @property
    def done_refs(self) -> str:
        return rules.join_refs(entry.ref for entry in self.entries if entry.done)

    @property
    def preflighted_refs(self) -> str:
        return rules.join_refs(entry.ref for entry in self.entries if entry.preflighted)

    @property
    def error_refs(self) -> str:
        refs = [entry.ref for entry in self.entries if entry.errors]
        return rules.join_refs([self.ref] + refs if self._errors else refs)

    def get_entry(self, ref: Any) -> UploadEntry | None:
        """The entry with client ref `ref`, if still there."""
        return next((entry for entry in self.entries if entry.ref == ref), None)

    # Entries ---------------------------------------------------------------------------------
    @property
    def entry_cap(self) -> int:
        """The most entries this config holds: `max_files` plus a few shown with an error."""
        return rules.entry_cap(self.constraints)

    def refuse_flood(self) -> None:
        """A client declared more entries than `entry_cap`: nothing is stored, the config
        shows too_many_files until the next accepted choice or a removal."""
        self._flooded = True
        self._check_count()

    def put_entries(self, clients: Sequence[ClientEntry]) -> list[UploadEntry]:
        """Register new client entries (known refs are skipped), validating each; the new ones.

        Past `entry_cap` nothing is stored (too_many_files): memory and rendering per view
        stay bounded whatever a client declares.
        """
        known = {entry.ref for entry in self.entries}
        new = list({c.ref: c for c in clients if c.ref not in known}.values())
        if not new:
            return []
        if len(new) == 1 and self.max_files == 1:
            # A single-file input: one newly chosen file replaces whatever was there.
            for entry in list(self.entries):
                self.cancel_entry(entry.ref)
        if len(self.entries) + len(new) > self.entry_cap:
            self.refuse_flood()
            return []
        self._flooded = False
        added = []
        for client in new:
            entry = UploadEntry(self, client)
            codes = rules.entry_error_codes(self.constraints, client, name_type(client.name))
            if codes:
                entry.reject(codes)
            self.entries.append(entry)
            added.append(entry)
        self._check_count()
        return added

    def _check_count(self) -> None:
        too_many = self._flooded or rules.too_many_files(self.constraints, len(self.entries))
        self._errors = [e for e in self._errors if e.code != rules.TOO_MANY_FILES]
        if too_many:
            self._errors.append(UploadError(
                rules.TOO_MANY_FILES,
                rules.error_message(rules.TOO_MANY_FILES, self.constraints), self.ref))

    def preflight_errors(self) -> list[list[str]]:
        """`[[ref, code], ...]` for the preflight reply."""
        return [[error.ref, error.code] for error in self.all_errors]

    def preflight(self) -> list[UploadEntry]:
        """Entries allowed to upload now, moved to preflighted (none while the config itself
        has an error)."""
        if self._errors:
            return []
        ready = [entry for entry in self.entries if entry.can(EntryEvent.PREFLIGHT)]
        for entry in ready:
            entry.move(EntryEvent.PREFLIGHT)
        return ready

    def cancel_entry(self, ref: str) -> bool:
        """Drop entry `ref` and its data (False if unknown); the client stops its upload."""
        entry = self.get_entry(ref)
        if entry is None:
            return False
        self._remove(entry, EntryEvent.CANCEL)
        return True

    def _remove(self, entry: UploadEntry, event: EntryEvent) -> None:
        if event is EntryEvent.CONSUME:
            entry.release()  # a writer's destination now belongs to the consumer
        else:
            entry.discard_data()
        entry.move(event)
        self.entries.remove(entry)
        self.manager.released.append(entry.ref)  # its upload channel, if open, is closed
        self._flooded = False
        self._check_count()

    # Consuming -------------------------------------------------------------------------------
    @contextmanager
    def consume_upload_entry(self, ref: str) -> Iterator[Any]:
        """The done entry `ref` as an open file (None if not done); deleted afterwards.

        External and writer uploads give their meta dict instead of a file (nothing is on
        the server to open); the entry is removed afterwards all the same.
        """
        entry = self.get_entry(ref)
        if entry is not None and entry.state is EntryState.DONE and entry.meta is not None:
            try:
                yield dict(entry.meta)
            finally:
                if entry in self.entries:
                    self._remove(entry, EntryEvent.CONSUME)
            return
        if entry is None or entry.state is not EntryState.DONE or entry.path is None:
            yield None
            return
        handle = open(entry.path, "rb")
        try:
            yield ConsumedUpload(handle, entry.name, entry.size, entry.content_type,
                                 entry.ref, entry.path)
        finally:
            # Consumed, even if the block raised: keeping the bytes around would leak them.
            handle.close()
            if entry in self.entries:
                self._remove(entry, EntryEvent.CONSUME)

    async def consume_uploaded_entries(self, func: Callable[..., Any]) -> list[Any]:
        """Call `func(upload, entry)` (sync or async) for every done entry; their results."""
        results = []
        for entry in [e for e in self.entries if e.done]:
            with self.consume_upload_entry(entry.ref) as upload:
                if upload is not None:
                    results.append(await call_user(func, upload, entry))
        return results

    def __repr__(self) -> str:
        return f"<UploadConfig {self.name!r} {self.ref} entries={self.entries!r}>"


class UploadManager:
    """The upload configs of one view, by name and by ref: the owner of their entries."""

    def __init__(self, socket: Any = None) -> None:
        #: The socket handed to `external` and `writer` callables.
        self.socket = socket
        self.configs: dict[str, UploadConfig] = {}
        self._by_ref: dict[str, UploadConfig] = {}
        #: Refs of removed entries: their `lvu:` topics (if still open) are closed by the
        #: runtime once the current handler is done (see `take_released`).
        self.released: list[str] = []

    def allow(self, name: Any, constraints: Any = None, *, auto_upload: bool = False,
              progress: Callable[..., Any] | None = None,
              chunk_size: int | None = None, external: Callable[..., Any] | None = None,
              writer: Callable[..., Any] | None = None) -> UploadConfig:
        """Create (or replace, while it has no entries) the upload `name`."""
        where = f"allow_upload({name!r})"
        if not isinstance(name, str) or not name:
            raise ValueError(f"allow_upload: name must be a non-empty str, got {name!r}")
        constraints = UploadConstraints.coerce(constraints, where)
        if not isinstance(auto_upload, bool):
            raise TypeError(f"{where}: auto_upload must be True or False, got {auto_upload!r}")
        if progress is not None and not callable(progress):
            raise TypeError(f"{where}: progress must be a callable "
                            f"(entry, socket) or None, got {progress!r}")
        for option, value in (("external", external), ("writer", writer)):
            if value is not None and not callable(value):
                raise TypeError(f"{where}: {option} must be a callable or None, got {value!r}")
        if external is not None and writer is not None:
            raise ValueError(f"{where}: external and writer exclude each other (an external "
                             f"upload never reaches the server)")
        chunk_size = chunk_size if chunk_size is not None else liveview_settings.UPLOAD_CHUNK_SIZE
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0:
            raise ValueError(f"{where}: chunk_size must be a positive int, got {chunk_size!r}")
        frame_limit = liveview_settings.MAX_FRAME_BYTES
        if chunk_size + MAX_FRAME_HEADER > frame_limit:
            raise ConfigurationError(
                f"{where}: chunk_size {chunk_size} plus the frame header ({MAX_FRAME_HEADER}) "
                f"exceeds LIVEVIEW MAX_FRAME_BYTES={frame_limit}; raise MAX_FRAME_BYTES or "
                f"lower the chunk size")
        old = self.configs.get(name)
        if old is not None:
            if old.entries:
                raise ValueError(f"{where}: this upload already has entries; cancel or consume "
                                 f"them before allowing it again")
            del self._by_ref[old.ref]
        config = UploadConfig(self, name, constraints, auto_upload=auto_upload,
                              progress=progress, chunk_size=chunk_size, external=external,
                              writer=writer)
        self.configs[name] = config
        self._by_ref[config.ref] = config
        return config

    def get(self, name: str) -> UploadConfig:
        """The config named `name`; KeyError lists the known names."""
        try:
            return self.configs[name]
        except KeyError:
            raise KeyError(f"no upload named {name!r}; allowed uploads: "
                           f"{', '.join(map(repr, self.configs)) or 'none'}") from None

    def by_ref(self, ref: Any) -> UploadConfig | None:
        """The config whose input has id `ref`."""
        return self._by_ref.get(ref) if isinstance(ref, str) else None

    def find_entry(self, upload_ref: Any, entry_ref: Any) -> UploadEntry | None:
        """The entry `entry_ref` of the config `upload_ref`, if both still exist."""
        config = self.by_ref(upload_ref)
        return config.get_entry(entry_ref) if config is not None else None

    def remove(self, name: str) -> None:
        """Forget the upload `name` (its entries cancelled, their data deleted), if any."""
        config = self.configs.pop(name, None)
        if config is None:
            return
        for entry in list(config.entries):
            config.cancel_entry(entry.ref)
        self._by_ref.pop(config.ref, None)

    def take_released(self) -> list[str]:
        """Entry refs whose upload channels must now be closed (and forget them)."""
        released, self.released = self.released, []
        return released

    def shutdown(self) -> None:
        """The view is gone: every entry is cancelled and its data deleted."""
        for config in self.configs.values():
            for entry in list(config.entries):
                config.cancel_entry(entry.ref)
