"""Turn client event payloads into what handlers receive.

Click, key, focus and hook events carry a JSON object, passed through as a dict.
Form events carry an urlencoded string plus `meta` (docs/internals.md, "Form events"); they become a
`FormPayload`, a Django `QueryDict`, so `MyForm(payload)` binds directly.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from django.http import QueryDict

UNUSED_PREFIX = "_unused_"
TARGET_KEY = "_target"

_SEGMENT = re.compile(r"\[([^\]]*)\]")


def split_name(name: str) -> list[str]:
    """Split a Plug/Rails style field name:
    `user[address][city]` → `['user', 'address', 'city']`."""
    head, bracket, rest = name.partition("[")
    if not bracket:
        return [name]
    return [head, *_SEGMENT.findall("[" + rest)]


def _used_name(name: str) -> str | None:
    """`user[_unused_email]` → `user[email]`; None if `name` is not an `_unused_` marker."""
    if "[" in name:
        head, _, last = name.rpartition("[")
        if last.startswith(UNUSED_PREFIX):
            return f"{head}[{last[len(UNUSED_PREFIX):]}"
        return None
    if name.startswith(UNUSED_PREFIX):
        return name[len(UNUSED_PREFIX):]
    return None


class FormPayload(QueryDict):
    """Form values as a QueryDict (blanks and repeated keys kept), plus what the client knows.

    - `target`: the name of the input that fired, as a key path (`["user", "email"]`), or [].
    - `unused`: names of fields the user has not touched yet (the client's `_unused_` markers),
      used to hide errors on untouched fields while typing.
    """

    target: list[str]
    unused: frozenset[str]

    def __init__(self, encoded: str, meta: dict[str, Any] | None = None):
        super().__init__(mutable=True, encoding="utf-8")
        unused = set()
        for key, value in parse_qsl(encoded, keep_blank_values=True):
            used = _used_name(key)
            if used is not None:
                unused.add(used)
            else:
                self.appendlist(key, value)
        target = ""
        for key, value in (meta or {}).items():
            if key == TARGET_KEY:
                target = value if isinstance(value, str) else ""
            # phx-value-* attributes of the form, and JS.push values, as strings like the rest.
            self.setlist(key, [value if isinstance(value, str) else str(value)])
        # "undefined" is what the client sends for a change dispatched without an input.
        self.target = split_name(target) if target and target != "undefined" else []
        self.unused = frozenset(unused)
        self._mutable = False

    def is_used(self, name: str) -> bool:
        """True once the user has focused or submitted the field `name`."""
        return name not in self.unused

    def nested(self) -> dict[str, Any]:
        """Values nested the Plug way: `user[name]` → `{"user": {"name": ...}}`, `tags[]` → list."""
        result: dict[str, Any] = {}
        for key, values in self.lists():
            path = split_name(key)
            node = result
            for segment in path[:-1]:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = node[segment] = {}
                node = child
            last = path[-1]
            if last == "" and len(path) > 1:
                # `tags[]`: the parent itself is a list.
                parent = result
                for segment in path[:-2]:
                    parent = parent[segment]
                parent[path[-2]] = list(values)
            else:
                node[last] = values[-1]
        return result

    def __reduce__(self) -> tuple[Any, ...]:  # QueryDict's pickling drops our attributes.
        return (_rebuild, (self.urlencode(), self.target, sorted(self.unused)))


def _rebuild(encoded: str, target: list[str], unused: list[str]) -> FormPayload:
    payload = FormPayload(encoded)
    payload.target, payload.unused = target, frozenset(unused)
    return payload


def decode_event_value(event_type: Any, value: Any, meta: Any) -> Any:
    """The handler's `payload` for an `event` message."""
    if event_type == "form":
        return FormPayload(value if isinstance(value, str) else "",
                           meta if isinstance(meta, dict) else None)
    if value is None:
        return {}
    return value
