"""Upload rules, pure: constraints, accept matching, client entries, error codes, ref lists.

No I/O, no settings, no channels. The runtime (`liveview.uploads`) keeps the state and the
files; this module decides what is allowed, how it is named on the wire, and how an entry moves
from state to state.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Error codes, the same atoms as Phoenix (upload_errors/2), so templates can switch on them.
TOO_LARGE = "too_large"
TOO_MANY_FILES = "too_many_files"
NOT_ACCEPTED = "not_accepted"
EXTERNAL_CLIENT_FAILURE = "external_client_failure"
INCOMPLETE = "incomplete"
WRITER_ERROR = "writer_error"

# Phoenix's defaults (upload_config.ex), kept so apps behave alike.
DEFAULT_MAX_FILE_SIZE = 8_000_000
DEFAULT_MAX_FILES = 1
DEFAULT_CHUNK_SIZE = 64_000
DEFAULT_CHUNK_TIMEOUT_MS = 10_000

_EXTENSION = re.compile(r"^\.[A-Za-z0-9][A-Za-z0-9_+.-]*$")
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$")
_REF = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_CONSTRAINT_KEYS = ("max_file_size", "max_files", "accept")


def _positive_int(where: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return value


def normalize_accept(accept: Any, where: str = "UploadConstraints") -> tuple[str, ...] | None:
    """Validate `accept`: None (any file), or a list of extensions (".png") and MIME patterns."""
    if accept is None or accept == "any":
        return None
    if isinstance(accept, str):
        accept = [part.strip() for part in accept.split(",")]
    if not isinstance(accept, Iterable):
        raise ValueError(f"{where}: accept must be a list of extensions ('.png') or MIME "
                         f"types ('image/*', 'text/plain'), or None for any file; "
                         f"got {accept!r}")
    items = list(accept)
    if not items:
        raise ValueError(f"{where}: accept=[] accepts no file at all; list extensions "
                         f"('.png') or MIME types ('image/*'), or pass None for any file")
    result = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{where}: accept items must be strings, got {item!r}")
        value = item.strip().lower()
        if not (_EXTENSION.match(value) or _MIME.match(value)):
            raise ValueError(f"{where}: accept item {item!r} is neither an extension starting "
                             f"with '.' ('.png') nor a MIME type ('image/png', 'image/*')")
        result.append(value)
    return tuple(dict.fromkeys(result))


@dataclass(frozen=True)
class UploadConstraints:
    """What an upload accepts: size per file (bytes), number of files, file types.

    `accept` lists extensions (".png") and MIME types or patterns ("image/*"); None accepts
    any file. A file is accepted when its extension is listed, or its type (as the browser
    reports it) matches a listed MIME type.
    """

    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_files: int = DEFAULT_MAX_FILES
    accept: Sequence[str] | None = None

    def __post_init__(self) -> None:
        _positive_int("UploadConstraints", "max_file_size", self.max_file_size)
        _positive_int("UploadConstraints", "max_files", self.max_files)
        object.__setattr__(self, "accept", normalize_accept(self.accept))

    @classmethod
    def coerce(cls, value: Any, where: str) -> UploadConstraints:
        """Accept an UploadConstraints, a dict of its fields, or None (the defaults)."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(_CONSTRAINT_KEYS))
            if unknown:
                raise ValueError(f"{where}: unknown constraint {', '.join(map(repr, unknown))}; "
                                 f"known: {', '.join(_CONSTRAINT_KEYS)}")
            return cls(**value)
        raise TypeError(f"{where}: constraints must be UploadConstraints(...) or a dict, "
                        f"got {type(value).__name__}")

    @property
    def accept_attribute(self) -> str | None:
        """The `accept` attribute of the file input, or None for any file."""
        return ",".join(self.accept) if self.accept else None


def extension(name: str) -> str:
    """Lower-case extension of a file name, with the dot (`"a.tar.GZ"` → `".gz"`), or ""."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def _type_matches(item: str, kind: str) -> bool:
    if item.endswith("/*"):
        return kind.startswith(item[:-1]) and len(kind) > len(item) - 1
    return kind == item


def is_accepted(accept: Sequence[str] | None, name: str, content_type: str,
                name_type: str | None = None) -> bool:
    """True when the file `name` of type `content_type` matches one `accept` item.

    An extension item matches the name's extension. A MIME item must match both the type the
    client declared and `name_type`, the type of the name's extension (the caller looks it up:
    core does no I/O): a file is stored and served by its name, so `evil.html` declared as
    `text/plain` is not a `text/plain` file. No known type for the name: no MIME item matches.
    """
    if accept is None:
        return True
    ext = extension(name)
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    by_name = (name_type or "").lower()
    for item in accept:
        if item.startswith("."):
            if ext == item:
                return True
        elif by_name and _type_matches(item, kind) and _type_matches(item, by_name):
            return True
    return False


@dataclass(frozen=True)
class ClientEntry:
    """A file as the client describes it (change event `uploads`, preflight `entries`)."""

    ref: str
    name: str
    size: int
    content_type: str
    last_modified: int | None = None
    relative_path: str = ""

    @classmethod
    def parse(cls, data: Any) -> ClientEntry:
        """Validate one client entry dict; ValueError says which field is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError(f"upload entry must be an object, got {type(data).__name__}")
        ref = data.get("ref")
        if not isinstance(ref, str) or not _REF.match(ref):
            raise ValueError(f"upload entry ref must be a short string of letters, digits, "
                             f"'-', '_', '.', ':', got {ref!r}")
        size = data.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"upload entry {ref}: size must be an int >= 0, got {size!r}")
        name = data.get("name")
        if not isinstance(name, str) or not name or len(name) > 1024:
            raise ValueError(f"upload entry {ref}: name must be a non-empty string "
                             f"(at most 1024 characters), got {str(name)[:80]!r}")
        content_type = data.get("type") or ""
        if not isinstance(content_type, str) or len(content_type) > 255:
            raise ValueError(f"upload entry {ref}: type must be a string, got {content_type!r}")
        modified = data.get("last_modified")
        if isinstance(modified, bool) or not isinstance(modified, (int, float)):
            modified = None
        relative = data.get("relative_path")
        return cls(ref=ref, name=name, size=size, content_type=content_type,
                   last_modified=int(modified) if modified is not None else None,
                   relative_path=relative if isinstance(relative, str) else "")


def entry_error_codes(constraints: UploadConstraints, entry: ClientEntry,
                      name_type: str | None = None) -> list[str]:
    """The per-file errors of `entry` under `constraints` (empty when valid); `name_type` is
    the type of the entry's file name (see `is_accepted`)."""
    codes = []
    if entry.size > constraints.max_file_size:
        codes.append(TOO_LARGE)
    if not is_accepted(constraints.accept, entry.name, entry.content_type, name_type):
        codes.append(NOT_ACCEPTED)
    return codes


#: Entries a config keeps past `max_files`, so the user sees the files to remove (with the
#: too_many_files error). A message declaring more than `entry_cap` entries is refused on
#: its count alone, before any entry is parsed, and nothing of it is stored.
OVERFLOW_ENTRIES = 10


def entry_cap(constraints: UploadConstraints) -> int:
    """The most entries one upload config holds (and one client message may declare)."""
    return constraints.max_files + OVERFLOW_ENTRIES


def too_many_files(constraints: UploadConstraints, count: int) -> bool:
    """True when `count` entries exceed `max_files`."""
    return count > constraints.max_files


def human_size(size: int) -> str:
    """Bytes in the units people read: `1536` → `"1.5 KB"` (decimal units, like file managers)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            if unit == "bytes":
                return f"{int(value)} bytes"
            return f"{value:.1f} {unit}".replace(".0 ", " ")
        value /= 1000
    raise AssertionError("unreachable")


def error_message(code: str, constraints: UploadConstraints, *, name: str = "",
                  size: int | None = None, reason: str = "") -> str:
    """A sentence a user can act on for an error `code`."""
    subject = f"{name}: " if name else ""
    if code == TOO_LARGE:
        got = f" ({human_size(size)})" if size is not None else ""
        return f"{subject}file is too large{got}; the limit is " \
               f"{human_size(constraints.max_file_size)}"
    if code == TOO_MANY_FILES:
        n = constraints.max_files
        return f"Too many files: at most {n} file{'s' if n != 1 else ''} can be uploaded"
    if code == NOT_ACCEPTED:
        accepted = ", ".join(constraints.accept or ())
        return f"{subject}file type not accepted; accepted: {accepted}"
    if code == INCOMPLETE:
        return f"{subject}the upload ended before the whole file arrived"
    if code == WRITER_ERROR:
        return f"{subject}the server could not store the file"
    if code == EXTERNAL_CLIENT_FAILURE:
        why = f" ({reason})" if reason else ""
        return f"{subject}the upload failed in the browser{why}"
    return f"{subject}upload error: {code}"


def join_refs(refs: Iterable[str]) -> str:
    """A `data-phx-*-refs` value: refs comma-joined, in entry order."""
    return ",".join(refs)


class EntryState(enum.Enum):
    """Where one upload entry is in its life (see `TRANSITIONS`)."""

    SELECTED = "selected"  # known from a change event or a preflight; valid, no token yet
    INVALID = "invalid"  # refused by the constraints (too large, not accepted); never uploads
    PREFLIGHTED = "preflighted"  # an upload token was issued: the client may join `lvu:`
    UPLOADING = "uploading"  # chunks flow (its `lvu:` topic, or an external upload reports)
    DONE = "done"  # every byte arrived and the client reported 100%: ready to consume
    FAILED = "failed"  # the upload itself failed (size lie, client error, incomplete)
    CANCELLED = "cancelled"  # removed by the view or replaced (final)
    CONSUMED = "consumed"  # handed to the view's code and removed (final)


class EntryEvent(enum.Enum):
    """What can happen to an entry."""

    REJECT = "reject"  # the constraints refuse it
    PREFLIGHT = "preflight"  # a token is issued
    START = "start"  # its upload channel is joined (external: the first progress report)
    ABORT = "abort"  # the client left the upload channel before the end (it may rejoin)
    COMPLETE = "complete"  # all bytes are in and the client says 100
    FAIL = "fail"  # the upload failed
    CANCEL = "cancel"  # removed
    CONSUME = "consume"  # consumed


_S, _E = EntryState, EntryEvent
#: The only moves an entry can make: (state, event) -> next state. Anything else is refused.
TRANSITIONS: dict[tuple[EntryState, EntryEvent], EntryState] = {
    (_S.SELECTED, _E.REJECT): _S.INVALID,
    (_S.SELECTED, _E.PREFLIGHT): _S.PREFLIGHTED,
    (_S.PREFLIGHTED, _E.START): _S.UPLOADING,
    (_S.PREFLIGHTED, _E.FAIL): _S.FAILED,
    (_S.UPLOADING, _E.ABORT): _S.PREFLIGHTED,
    (_S.UPLOADING, _E.COMPLETE): _S.DONE,
    (_S.UPLOADING, _E.FAIL): _S.FAILED,
    (_S.DONE, _E.CONSUME): _S.CONSUMED,
    **{(state, _E.CANCEL): _S.CANCELLED
       for state in (_S.SELECTED, _S.INVALID, _S.PREFLIGHTED, _S.UPLOADING, _S.DONE, _S.FAILED)},
}
#: States in which an entry still belongs to its upload (listed, rendered, counted).
LIVE_STATES = frozenset(EntryState) - {EntryState.CANCELLED, EntryState.CONSUMED}
#: States the client knows as preflighted (`data-phx-preflighted-refs`).
PREFLIGHTED_STATES = frozenset({_S.PREFLIGHTED, _S.UPLOADING, _S.DONE, _S.FAILED})


def next_state(state: EntryState, event: EntryEvent) -> EntryState | None:
    """The state `event` moves an entry in `state` to, or None when it cannot happen."""
    return TRANSITIONS.get((state, event))
