"""PLACEHOLDER until the real compiler lands: one opaque dynamic per template."""
from typing import Any, Mapping


def render_tree(template: Any, context: Mapping[str, Any], request: Any = None) -> dict:
    """Render `template` with `context` into a Phoenix rendered tree."""
    html = template.render(dict(context), request)
    return {"s": ["", ""], "0": str(html)}
