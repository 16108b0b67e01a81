"""What templates see of `socket.context`: a dict, TypedDict or dataclass."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _property_names(cls: type) -> tuple[str, ...]:
    return tuple(name for klass in reversed(cls.__mro__) for name, value in vars(klass).items()
                 if isinstance(value, property) and not name.startswith("_"))


def template_context(context: Any) -> dict[str, Any]:
    """The variables a view's template renders with."""
    if isinstance(context, dict):
        return context
    if isinstance(context, Mapping):
        return dict(context)
    if dataclasses.is_dataclass(context) and not isinstance(context, type):
        values = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
        for name in _property_names(type(context)):
            values[name] = getattr(context, name)
        return values
    raise TypeError(
        f"socket.context must be a dict, a TypedDict or a dataclass instance, "
        f"got {type(context).__name__}")


def context_get(context: Any, key: str, default: Any = None) -> Any:
    """`context[key]` for a mapping, `context.key` for a dataclass; `default` if missing."""
    if isinstance(context, Mapping):
        return context.get(key, default)
    return getattr(context, key, default)


def context_set(context: Any, key: str, value: Any) -> None:
    """Set `key` in a dict / TypedDict (item) or a dataclass (attribute)."""
    if isinstance(context, dict):
        context[key] = value
    elif dataclasses.is_dataclass(context) and not isinstance(context, type):
        setattr(context, key, value)
    else:
        raise TypeError(f"socket.context must be a dict, a TypedDict or a dataclass instance "
                        f"to assign {key!r}, got {type(context).__name__}")
