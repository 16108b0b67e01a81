"""A small DOM for the test client: HTML parsed into elements, found with CSS selectors.

The standard library parses HTML (`html.parser`) but has no selector engine, and the test
client only needs to find the elements a user would act on, so this is a documented subset:

- type, universal, id, class and attribute selectors: `button`, `*`, `#save`, `.row.odd`,
  `[phx-click]`, `[name=email]`, `[name="user[email]"]`, `[href^="/items"]`, `[href$=x]`,
  `[class*=btn]`, `[class~=btn]`, `[lang|=en]`; `i` after the value matches case-insensitively;
- pseudo-classes `:first-child`, `:last-child`, `:only-child`, `:nth-child(n)` (a number,
  `odd`, `even` or `an+b`), `:not(<compound>)`, `:checked`, `:disabled`, `:empty`;
- combinators: descendant (a space), child `>`, next sibling `+`, subsequent sibling `~`;
- selector lists: `a, b`.

Anything else raises `SelectorError` naming what is not supported, rather than matching
something by accident. Pure: no I/O, nothing else from liveview.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from typing import Callable, Iterator

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Elements whose end tag may be left out when a sibling of the same kind starts (the subset
# of the HTML spec's optional end tags templates actually rely on).
_IMPLIED_END = {"li": {"li"}, "option": {"option"}, "p": {"p"}, "tr": {"tr"},
                "td": {"td", "th"}, "th": {"td", "th"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}}


class SelectorError(ValueError):
    """A selector outside the supported subset, or malformed."""


@dataclass(eq=False)
class Element:
    """One element: its tag, attributes (as written, lowercased names) and children."""

    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)

    # Reading --------------------------------------------------------------------------------
    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        """The text content, whitespace runs collapsed to one space and trimmed."""
        return " ".join(self._text().split())

    def _text(self) -> str:
        return "".join(c if isinstance(c, str) else c._text() for c in self.children)

    @property
    def raw_text(self) -> str:
        """The text content as it is (a textarea's value, an option's label)."""
        return self._text()

    @property
    def inner_html(self) -> str:
        return "".join(escape(c, quote=False) if isinstance(c, str) else c.outer_html
                       for c in self.children)

    @property
    def outer_html(self) -> str:
        attrs = "".join(f' {k}="{escape(v)}"' if v != "" else f" {k}"
                        for k, v in self.attrs.items())
        if self.tag in VOID:
            return f"<{self.tag}{attrs}>"
        return f"<{self.tag}{attrs}>{self.inner_html}</{self.tag}>"

    # Walking --------------------------------------------------------------------------------
    @property
    def element_children(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]

    def iter(self) -> Iterator[Element]:
        """Every descendant element, in document order (not this one)."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def closest(self, selector: str) -> Element | None:
        """This element or its nearest ancestor matching `selector` (as DOM's closest)."""
        matcher = compile_selector(selector)
        for node in (self, *self.ancestors()):
            if node.tag != "#root" and matcher(node):
                return node
        return None

    def select(self, selector: str) -> list[Element]:
        """Descendants matching `selector`, in document order."""
        matcher = compile_selector(selector)
        return [node for node in self.iter() if matcher(node)]

    def select_one(self, selector: str) -> Element | None:
        found = self.select(selector)
        return found[0] if found else None

    def __str__(self) -> str:
        return self.outer_html


def parse(html: str) -> Element:
    """The fragment as a tree under a root element (tag `#root`)."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.open: list[Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        implied = _IMPLIED_END.get(tag)
        if implied and self.open[-1].tag in implied:
            self.open.pop()
        parent = self.open[-1]
        element = Element(tag, {name: value or "" for name, value in attrs}, parent=parent)
        parent.children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.open[-1]
        parent.children.append(
            Element(tag, {name: value or "" for name, value in attrs}, parent=parent))

    def handle_endtag(self, tag: str) -> None:
        # Close up to the nearest open element of this tag; a stray end tag is ignored, as
        # browsers do.
        for i in range(len(self.open) - 1, 0, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


# Selectors -----------------------------------------------------------------------------------
Matcher = Callable[[Element], bool]

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comb>[>+~])
  | (?P<comma>,)
  | (?P<star>\*)
  | (?P<tag>[a-zA-Z][\w-]*)
  | \#(?P<id>(?:[\w-]|\\.)+)
  | \.(?P<cls>(?:[\w-]|\\.)+)
  | \[\s*(?P<attr>[\w:-]+)\s*(?:(?P<op>[~|^$*]?=)\s*
        (?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\]\s]+))\s*(?P<flag>[iIsS])?\s*)?\]
  | :(?P<pseudo>[\w-]+)(?:\((?P<arg>[^()]*)\))?
""", re.VERBOSE)


def _unescape_ident(ident: str) -> str:
    return re.sub(r"\\(.)", r"\1", ident)


def compile_selector(selector: str) -> Matcher:
    """A function telling whether an element matches `selector` (a selector list)."""
    # Each complex selector of the list: [(combinator to the previous compound, compound)].
    groups: list[list[tuple[str, list[Matcher]]]] = [[]]
    combinator: str | None = None
    compound: list[Matcher] | None = None

    def close_compound() -> None:
        nonlocal compound, combinator
        if compound is not None:
            groups[-1].append((combinator or " ", compound))
            compound, combinator = None, None

    pos = 0
    while pos < len(selector):
        match = _TOKEN.match(selector, pos)
        if match is None:
            raise SelectorError(f"unsupported selector syntax at {selector[pos:]!r} "
                                f"in {selector!r}")
        pos = match.end()
        if match["ws"] is not None:
            close_compound()
        elif match["comb"] is not None or match["comma"] is not None:
            close_compound()
            if not groups[-1] or combinator is not None:
                raise SelectorError(f"misplaced {match.group(0)!r} in {selector!r}")
            if match["comma"] is not None:
                groups.append([])
            else:
                combinator = match["comb"]
        else:
            compound = compound if compound is not None else []
            compound.append(_simple(match, selector))
    close_compound()
    if not groups[-1] or combinator is not None:
        raise SelectorError(f"incomplete selector {selector!r}")
    alternatives = [_complex(group) for group in groups]
    if len(alternatives) == 1:
        return alternatives[0]
    return lambda element: any(alternative(element) for alternative in alternatives)


def _complex(group: list[tuple[str, list[Matcher]]]) -> Matcher:
    parts = [(lambda e, tests=tests: all(t(e) for t in tests)) for _, tests in group]
    combinators = [combinator for combinator, _ in group[1:]]

    def match_at(element: Element, index: int) -> bool:
        if not parts[index](element):
            return False
        if index == 0:
            return True
        combinator = combinators[index - 1]
        if combinator == " ":
            return any(match_at(a, index - 1) for a in element.ancestors() if a.tag != "#root")
        if combinator == ">":
            parent = element.parent
            return parent is not None and parent.tag != "#root" and match_at(parent, index - 1)
        siblings = _siblings(element)
        before = siblings[:siblings.index(element)]
        if combinator == "+":
            return bool(before) and match_at(before[-1], index - 1)
        return any(match_at(s, index - 1) for s in before)  # "~"

    last = len(parts) - 1
    return lambda element: match_at(element, last)


def _siblings(element: Element) -> list[Element]:
    return element.parent.element_children if element.parent is not None else [element]


def _simple(match: re.Match[str], selector: str) -> Matcher:
    if match["star"]:
        return lambda e: True
    if match["tag"]:
        tag = match["tag"].lower()
        return lambda e: e.tag == tag
    if match["id"]:
        ident = _unescape_ident(match["id"])
        return lambda e: e.attrs.get("id") == ident
    if match["cls"]:
        cls = _unescape_ident(match["cls"])
        return lambda e: cls in e.classes
    if match["attr"]:
        return _attribute(match)
    return _pseudo(match["pseudo"], match["arg"], selector)


def _attribute(match: re.Match[str]) -> Matcher:
    name, op = match["attr"].lower(), match["op"]
    if op is None:
        return lambda e: name in e.attrs
    value = next(v for v in (match["dq"], match["sq"], match["bare"]) if v is not None)
    fold = (match["flag"] or "").lower() == "i"
    value = value.lower() if fold else value
    tests: dict[str, Callable[[str], bool]] = {
        "=": lambda v: v == value,
        "~=": lambda v: value in v.split(),
        "|=": lambda v: v == value or v.startswith(value + "-"),
        "^=": lambda v: bool(value) and v.startswith(value),
        "$=": lambda v: bool(value) and v.endswith(value),
        "*=": lambda v: bool(value) and value in v,
    }
    test = tests[op]

    def attribute(e: Element) -> bool:
        actual = e.attrs.get(name)
        return actual is not None and test(actual.lower() if fold else actual)
    return attribute


def _nth(arg: str, selector: str) -> Callable[[int], bool]:
    arg = arg.replace(" ", "").lower()
    if arg == "odd":
        arg = "2n+1"
    elif arg == "even":
        arg = "2n"
    if re.fullmatch(r"[+-]?\d+", arg):
        return lambda i: i == int(arg)
    m = re.fullmatch(r"([+-]?\d*)n([+-]\d+)?", arg)
    if m is None:
        raise SelectorError(f"unsupported :nth-child({arg}) in {selector!r}")
    a = int(m[1]) if m[1] not in ("", "+", "-") else (-1 if m[1] == "-" else 1)
    b = int(m[2] or 0)
    if a == 0:
        return lambda i: i == b
    return lambda i: (i - b) % a == 0 and (i - b) // a >= 0


def _pseudo(name: str, arg: str | None, selector: str) -> Matcher:
    name = name.lower()
    if name == "first-child":
        return lambda e: _siblings(e)[0] is e
    if name == "last-child":
        return lambda e: _siblings(e)[-1] is e
    if name == "only-child":
        return lambda e: len(_siblings(e)) == 1
    if name == "nth-child" and arg is not None:
        test = _nth(arg, selector)
        return lambda e: test(_siblings(e).index(e) + 1)
    if name == "not" and arg is not None:
        inner = compile_selector(arg)
        return lambda e: not inner(e)
    if name == "checked":
        return lambda e: ("checked" in e.attrs if e.tag == "input" else
                          "selected" in e.attrs if e.tag == "option" else False)
    if name == "disabled":
        return lambda e: "disabled" in e.attrs
    if name == "empty":
        return lambda e: not e.children
    raise SelectorError(f"unsupported pseudo-class :{name} in {selector!r}")


# What the browser reads from elements ---------------------------------------------------------
_CHECKABLE = ("checkbox", "radio")
# Input types FormData leaves out (buttons count only as the submitter; files go as uploads).
_NOT_FORM_DATA = ("submit", "button", "image", "reset", "file")


def element_value(element: Element) -> str | None:
    """`el.value` as the client reads it for phx-value payloads, None when it has none (or
    for an unchecked checkbox or radio, which the client leaves out)."""
    if element.tag == "input":
        kind = element.attrs.get("type", "text").lower()
        if kind in _CHECKABLE:
            return element.attrs.get("value", "on") if "checked" in element.attrs else None
        return element.attrs.get("value", "")
    if element.tag in ("button", "option", "data"):
        return element.attrs.get("value", element.raw_text if element.tag == "option" else "")
    if element.tag == "textarea":
        return _textarea_value(element)
    if element.tag == "select":
        selected = _selected_options(element)
        return element_value(selected[0]) if selected else ""
    return None


def _textarea_value(element: Element) -> str:
    # The HTML parser drops the newline right after <textarea>, as browsers do.
    text = element.raw_text
    return text[1:] if text.startswith("\n") else text


def _selected_options(select: Element) -> list[Element]:
    options = select.select("option")
    chosen = [o for o in options if "selected" in o.attrs]
    if chosen or "multiple" in select.attrs or not options:
        return chosen
    return options[:1]  # a single select shows (and submits) its first option by default


def form_controls(form: Element) -> list[Element]:
    """The form's named, enabled controls in document order (nested controls only; inputs
    outside the form with `form="<id>"` are not looked up)."""
    disabled = {id(e) for fs in form.select("fieldset[disabled]") for e in fs.iter()}
    return [e for e in form.select("input, select, textarea, button")
            if e.attrs.get("name") and "disabled" not in e.attrs and id(e) not in disabled]


def form_data(form: Element, submitter: Element | None = None,
              only: set[str] | None = None) -> list[tuple[str, str]]:
    """(name, value) pairs as `new FormData(form)` lists them, without files."""
    pairs: list[tuple[str, str]] = []
    for control in form_controls(form):
        name = control.attrs["name"]
        if only is not None and name not in only:
            continue
        if control.tag == "button" or (control.tag == "input" and control.attrs.get(
                "type", "text").lower() in _NOT_FORM_DATA):
            if control is submitter:
                pairs.append((name, element_value(control) or ""))
            continue
        if control.tag == "select":
            pairs.extend((name, element_value(o) or "") for o in _selected_options(control))
            continue
        value = element_value(control)
        if value is not None:
            pairs.append((name, value))
    return pairs


def unused_key(name: str) -> str:
    """The `_unused_` marker of an input name: `user[email]` → `user[_unused_email]`."""
    array = name.endswith("[]")
    base = name[:-2] if array else name
    base = re.sub(r"([^\[\]]+)(\]?)$", r"_unused_\1\2", base, count=1)
    return base + ("[]" if array else "")
