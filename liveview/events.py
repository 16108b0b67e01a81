"""Messages delivered to `LiveView.handle_info`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InfoEvent:
    """A pub/sub message or scheduled tick: `name` is the topic or event name."""

    name: str
    payload: Any = field(default=None)
