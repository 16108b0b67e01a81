"""Custom template tags used by the core tests: simple, stateful and inclusion tags."""
from django import template

register = template.Library()


@register.simple_tag
def lv_echo(value):
    """Return its argument: autoescaped like any simple tag output."""
    return f"[{value}]"


@register.simple_tag(takes_context=True)
def lv_seq(context):
    """A per-template counter kept in render_context: output depends on render order."""
    count = context.render_context.get("lv_seq", 0) + 1
    context.render_context["lv_seq"] = count
    return f"#{count}"


@register.inclusion_tag("lv_badge.html")
def lv_badge(label):
    """Render lv_badge.html with `label`."""
    return {"label": label}
