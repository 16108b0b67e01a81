"""PLACEHOLDER until the real tree helpers land."""
from typing import Any


def tree_to_html(tree: dict) -> str:
    """HTML the client builds from a full tree."""
    s = tree["s"]
    out = [s[0]]
    for i in range(1, len(s)):
        d = tree[str(i - 1)]
        out.append(d if isinstance(d, str) else tree_to_html(d))
        out.append(s[i])
    return "".join(out)
