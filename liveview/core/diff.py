"""PLACEHOLDER until the real diff lands."""
from typing import Any


def diff_tree(old: dict | None, new: dict) -> dict:
    """Wire diff from what the client holds (`old`) to `new`; `{}` when nothing changed."""
    if old is None or old.get("s") != new.get("s"):
        return new
    return {k: v for k, v in new.items() if old.get(k) != v}
