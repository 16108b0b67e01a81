"""The root of the exception tree, and the one error the pure core raises itself.

`liveview.exceptions` documents the whole tree and re-exports these two; they live here
because `core` imports nothing else from `liveview`.
"""
from __future__ import annotations


class LiveViewError(Exception):
    """Base of every exception this package raises on purpose."""


class ProtocolError(LiveViewError, ValueError):
    """A client frame that does not follow the Phoenix V2 serializer format."""
