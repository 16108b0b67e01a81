"""Keyed `{% for %}` loops: the `{% live_key %}` tag and where a render keeps the keys.

    {% for row in rows %}{% live_key row.id %}<tr>…</tr>{% endfor %}

The tag renders nothing. It names what identifies a loop entry from one render to the
next, so the diff can match entries by key instead of by position: an entry that only
moved is sent as its old position, not resent. The keys never go on the wire; they
stay on the server, on the comprehension's entries object (`KeyedEntries`).

The compile function is registered in the `liveview` template library; the node and
the checks live here because the tree compiler has to recognise the node, and this
package imports nothing from the rest of liveview.
"""
from __future__ import annotations

from typing import Any, cast

from django.template.base import FilterExpression, Node, NodeList, Parser, TextNode, Token
from django.template.context import Context
from django.template.defaulttags import ForNode
from django.template.exceptions import TemplateSyntaxError

TAG = "live_key"
_USAGE = "{% live_key expr %}, e.g. {% for row in rows %}{% live_key row.id %}…{% endfor %}"


class LiveKeyNode(Node):
    """`{% live_key expr %}`: the key of the enclosing loop's current entry; renders ""."""

    child_nodelists = ()

    def __init__(self, expression: FilterExpression) -> None:
        self.expression = expression

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.expression.token}>"

    def render(self, context: Context) -> str:
        # Evaluated even though nothing is output: the live render evaluates the key,
        # so an expression that raises (or has side effects) must do the same over HTTP.
        self.expression.resolve(context)
        return ""

    def key(self, context: Context) -> Any:
        """The key of the entry being rendered."""
        return self.expression.resolve(context)


def live_key(parser: Parser, token: Token) -> LiveKeyNode:
    """Compile `{% live_key expr %}`, which must sit directly in a `{% for %}` body.

    Django's parser does not tell a tag what precedes it in its node list, so
    "first in the body" is checked when the loop is compiled into a plan
    (`split_loop_key`), on the first live render of the template.
    """
    bits = token.split_contents()
    if len(bits) != 2:
        got = "no argument" if len(bits) == 1 else f"{len(bits) - 1} arguments"
        raise TemplateSyntaxError(
            f"{{% {TAG} %}} takes exactly one expression, the entry's key; got {got}. "
            f"Usage: {_USAGE}")
    # The open block tags, innermost last; this tag itself is on top while it compiles.
    stack = parser.command_stack
    if len(stack) < 2 or stack[-2][0] != "for":
        where = f"inside {{% {stack[-2][0]} %}}" if len(stack) >= 2 else "outside any loop"
        raise TemplateSyntaxError(
            f"{{% {TAG} {bits[1]} %}} is {where}; it belongs directly in a {{% for %}} "
            f"loop's body, as its first tag. Usage: {_USAGE}")
    return LiveKeyNode(parser.compile_filter(bits[1]))


def misplaced(node: LiveKeyNode, why: str) -> TemplateSyntaxError:
    """The error for a `{% live_key %}` found where the compiler cannot use it."""
    origin = getattr(node, "origin", None)
    name = getattr(origin, "template_name", None) or "the template"
    token = getattr(node, "token", None)
    line = f", line {token.lineno}" if token is not None and token.lineno else ""
    contents = token.contents if token is not None else TAG
    return TemplateSyntaxError(
        f"{{% {contents} %}} ({name}{line}) {why}. It must be the first tag of a "
        f"{{% for %}} loop's body (only whitespace before it), once per loop. Usage: {_USAGE}")


def split_loop_key(loop: ForNode) -> tuple[LiveKeyNode | None, NodeList]:
    """The loop's `{% live_key %}` node (or None) and its body without that node.

    Raises TemplateSyntaxError for a key tag that is not first in the body, a second
    one, or one in the `{% empty %}` branch. Whitespace text before the tag stays in
    the body, so the HTML is unchanged.
    """
    # Django's stubs type nodelist_loop loosely; a parsed for loop's body is a NodeList.
    nodelist = cast(NodeList, loop.nodelist_loop)
    first = None
    for index, node in enumerate(nodelist):
        if isinstance(node, TextNode) and not node.s.strip():
            continue
        if type(node) is LiveKeyNode:
            first = index
        break
    for index, node in enumerate(nodelist):
        if type(node) is LiveKeyNode and index != first:
            raise misplaced(node, "is not the first tag of its loop's body" if first is None
                            else "is the second key of one loop")
    for empty_node in loop.nodelist_empty or ():
        if type(empty_node) is LiveKeyNode:
            raise misplaced(empty_node, "is in the {% empty %} branch, which has no entries")
    if first is None:
        return None, nodelist
    body = NodeList(node for index, node in enumerate(nodelist) if index != first)
    body.contains_nontext = nodelist.contains_nontext
    return cast(LiveKeyNode, nodelist[first]), body


class KeyedEntries(dict[str, Any]):
    """The `"k"` object of a keyed loop's comprehension, with the key of each entry.

    A dict like any other `"k"` object: equality, JSON and the client see only its
    items. `entry_keys` holds the key of entry 0, 1, … in order, or None when this
    render's keys are unusable (a duplicate or an unhashable key); the diff then
    compares entries by position, which is always correct, just larger. (A by-key
    diff is correct too whatever the keys, since each entry is diffed against the
    old entry it names; with duplicates, which one that is would be arbitrary.)
    """

    __slots__ = ("entry_keys",)

    def __init__(self) -> None:
        super().__init__()
        self.entry_keys: tuple[Any, ...] | None = None

    def copy(self) -> KeyedEntries:
        """A shallow copy that keeps the entry keys."""
        copied = KeyedEntries()
        copied.update(self)
        copied.entry_keys = self.entry_keys
        return copied


def unique_keys(keys: list[Any]) -> tuple[Any, ...] | None:
    """`keys` as a tuple when they can identify entries (all hashable, no two equal), else None."""
    try:
        if len(set(keys)) == len(keys):
            return tuple(keys)
    except TypeError:  # an unhashable key: nothing to match it by
        pass
    return None
