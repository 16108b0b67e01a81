"""A navigation a handler asks for (push_patch, push_navigate, redirect), as plain data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode


@dataclass(frozen=True)
class Navigation:
    """A navigation requested by a handler: `patch`, `navigate` or `redirect`."""

    kind: Literal["patch", "navigate", "redirect"]
    to: str
    replace: bool = False

    @property
    def history(self) -> str:
        """How the client changes its history: `"replace"` or `"push"`."""
        return "replace" if self.replace else "push"


def with_params(path: str, params: dict[str, Any] | None) -> str:
    """`path` with `params` appended as a query string (lists become repeated keys)."""
    if not params:
        return path
    return f"{path}{'&' if '?' in path else '?'}{urlencode(params, doseq=True)}"
