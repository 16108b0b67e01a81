"""Hypothesis strategies: random Django template sets and the contexts to render them with.

A template set is main.html (standalone, or extending base.html directly or
through mid.html), base.html with nested blocks, and two includes. Fragments
mix text, variables with filters, if/elif/else, for (empty, reversed,
unpacking, nesting, forloop, keyed with {% live_key %}), with, include,
autoescape and opaque tags, including the stateful ones (cycle, ifchanged,
regroup, firstof/simple tag `as`).

`keyed_scenarios` is a keyed table and a run of list edits (insert, delete,
move, update) on rows with unique ids.
"""
from __future__ import annotations

import datetime
import decimal
import re
from types import SimpleNamespace
from typing import Any

from hypothesis import strategies as st
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

TEXTS = ("<p>", "</p>", "<li class=\"a\">", "</li>", "a", " ", "\n", "x &amp; y", "é", "'", '"',
         "<", ">", "<td>", "</td>")
REFS = ("s", "safe", "n", "f", "dec", "flag", "flag2", "none", "lst", "nums", "missing",
        "obj.name", "obj.n", "lst.0", "rows.0.name", "d.key", "dt", "htm", "lazy", "cyc", "fo",
        "ec", "grp", "w", "lst|first", "nums|last")
FORLOOP = ("forloop.counter", "forloop.counter0", "forloop.revcounter", "forloop.first",
           "forloop.last", "forloop.parentloop.counter")
FILTERS = ("", "", "", "|upper", "|lower", "|title", "|escape", "|force_escape", "|safe",
           "|length", '|default:"d<f>"', '|default_if_none:"-"', '|join:", "', "|striptags",
           "|linebreaksbr", "|truncatechars:4", '|yesno:"y,n,m"',
           "|add:2", '|cut:"a"', '|slice:":2"', '|stringformat:"s"', "|urlencode",
           "|capfirst", "|floatformat:1", "|pluralize", "|wordcount", "|safe|escape",
           "|escape|safe", "|make_list", "|slugify", "|center:7", "|escapejs",
           '|date:"Y-m-d H:i"', "|addslashes", "|dictsort:'n'", "|linebreaks", "|urlize")
CONDITIONS = ("flag", "not flag", "flag and flag2", "flag or none", "n > 3", "n == 0",
              's == "a"', "lst", "not lst", "missing", "none is None", '"a" in s',
              "nums|length > 1", "obj.n >= 2")
LOOPS = (  # (for header, names it brings into scope)
    ("x in lst", ("x",)),
    ("x in nums reversed", ("x",)),
    ("k, v in pairs", ("k", "v")),
    ("r in rows", ("r.name", "r.n", "r.tags")),
    ("x in s", ("x",)),
    ("x in missing", ("x",)),
    ("g in grp", ("g.grouper", "g.list")),
)
#: Keys a loop may declare, per loop variable; duplicates are likely (and must be safe).
KEYS = {"x": ("x", "x|lower"), "k": ("k",), "r": ("r.name", "r.n|add:0"), "g": ("g.grouper",),
        "t": ("t",)}
LEAVES = ('{% cycle "c1" "<c2>" %}', '{% cycle "r1" "r2" as cyc %}',
          '{% cycle REF "z" as cyc silent %}', '{% firstof none missing REF "z" %}',
          "{% firstof REF flag as fo %}", "{% widthratio n 10 100 %}",
          "{% templatetag openblock %}", "{% lorem 3 w %}",
          "{% verbatim %}{{ raw }}{% endverbatim %}", "{% lv_echo REF %}",
          "{% lv_echo REF as ec %}", "{% lv_seq %}", "{% lv_badge REF %}",
          "{% comment %}gone {{ s }}{% endcomment %}", "{# gone #}", "{% load lvtags %}",
          "{% regroup rows by n as grp %}", "{% ifchanged REF %}chg{% endifchanged %}",
          "{% ifchanged %}{{ REF }}{% else %}same{% endifchanged %}")
WRAPS = (("{% spaceless %}", "{% endspaceless %}"), ("{% filter upper %}", "{% endfilter %}"),
         ("{% filter force_escape|lower %}", "{% endfilter %}"),
         ("{% ifchanged %}", "{% endifchanged %}"),
         ("{% autoescape off %}", "{% endautoescape %}"),
         ("{% autoescape on %}", "{% endautoescape %}"))
INCLUDE_NAMES = ("inc_a.html", "inc_b.html")
BLOCKS = ("head", "body", "inner", "foot")


def fragment(
    depth: int, scope: tuple[str, ...], includes: tuple[str, ...], min_size: int = 0
) -> st.SearchStrategy[str]:
    """A run of up to 3 template elements."""
    return st.lists(element(depth, scope, includes), min_size=min_size, max_size=3).map("".join)


@st.composite
def element(draw: Any, depth: int, scope: tuple[str, ...], includes: tuple[str, ...]) -> str:
    """One template element; nesting tags only while `depth` lasts."""
    kinds = ["text", "var", "var", "leaf"]
    if includes:
        kinds.append("include")
    if depth > 0:
        kinds += ["if", "for", "with", "wrap"]
    kind = draw(st.sampled_from(kinds))
    refs = st.sampled_from(REFS + scope)

    def inner(extra: tuple[str, ...] = ()) -> str:
        return draw(fragment(depth - 1, scope + extra, includes))

    if kind == "text":
        return draw(st.sampled_from(TEXTS))
    if kind == "var":
        return "{{ %s%s }}" % (draw(refs), draw(st.sampled_from(FILTERS)))
    if kind == "leaf":
        return draw(st.sampled_from(LEAVES)).replace("REF", draw(refs))
    if kind == "include":
        name = draw(st.sampled_from(includes))
        form = draw(st.sampled_from(['"NAME"', '"NAME" with x=REF', '"NAME" with x=REF only',
                                     "tname" if len(includes) > 1 else '"NAME"']))
        return "{%% include %s %%}" % form.replace("NAME", name).replace("REF", draw(refs))
    if kind == "if":
        out = "{%% if %s %%}%s" % (draw(st.sampled_from(CONDITIONS + scope)), inner())
        for _ in range(draw(st.integers(0, 2))):
            out += "{%% elif %s %%}%s" % (draw(st.sampled_from(CONDITIONS + scope)), inner())
        if draw(st.booleans()):
            out += "{% else %}" + inner()
        return out + "{% endif %}"
    if kind == "for":
        loops = LOOPS + ((("t in r.tags", ("t",)),) if "r.name" in scope else ())
        header, names = draw(st.sampled_from(loops))
        out = "{%% for %s %%}%s%s" % (header, draw(loop_key(header)), inner(names + FORLOOP))
        if draw(st.booleans()):
            out += "{% empty %}" + inner()
        return out + "{% endfor %}"
    if kind == "with":
        return "{%% with w=%s%s v=%s %%}%s{%% endwith %%}" % (
            draw(refs), draw(st.sampled_from(FILTERS)), draw(refs), inner(("v",)))
    opener, closer = draw(st.sampled_from(WRAPS))
    return opener + inner() + closer


def loop_key(header: str) -> st.SearchStrategy[str]:
    """Nothing, or a {% live_key %} (with optional whitespace) for a loop with `header`."""
    keys = KEYS[header.split()[0].rstrip(",")] + ("forloop.counter",)
    tag = st.builds("{}{{% live_key {} %}}".format, st.sampled_from(["", "\n  "]),
                    st.sampled_from(keys))
    return st.one_of(st.just(""), tag)


@st.composite
def overrides(draw: Any, body: st.SearchStrategy[str]) -> str:
    """Block overrides for a child template, some calling block.super."""
    names = sorted(draw(st.sets(st.sampled_from(BLOCKS))), key=BLOCKS.index)
    out = draw(st.sampled_from(["", "ignored {{ s }} text"]))  # outside blocks: never rendered
    for name in names:
        if name == "inner" and "body" in names:
            continue  # nested inside the body override below
        content = draw(body)
        if draw(st.booleans()):
            content += "{{ block.super }}" + draw(body)
        if name == "body" and "inner" in names:
            content += "{% block inner %}" + draw(body) + "{% endblock %}"
        out += "{%% block %s %%}%s{%% endblock %%}" % (name, content)
    return out


@st.composite
def template_sets(draw: Any) -> dict[str, str]:
    """main.html plus the templates it may extend or include."""
    inc_b = draw(fragment(1, ("x",), ()))
    inc_a = draw(fragment(1, ("x",), ("inc_b.html",)))
    body = fragment(2, (), INCLUDE_NAMES, min_size=1)
    shallow = fragment(0, (), INCLUDE_NAMES)
    base = "".join([
        draw(shallow), "{% block head %}", draw(body), "{% endblock %}", draw(shallow),
        "{% block body %}", draw(shallow), "{% block inner %}", draw(body), "{% endblock %}",
        draw(shallow), "{% endblock %}", draw(shallow), "{% block foot %}", draw(shallow),
        "{% endblock %}",
    ])
    mid = "{% extends base_name %}" + draw(overrides(body))
    shape = draw(st.sampled_from(["plain", "base", "mid"]))
    if shape == "plain":
        main = draw(fragment(3, (), INCLUDE_NAMES, min_size=1))
    else:
        main = '%s{%% extends "%s.html" %%}%s' % (
            draw(st.sampled_from(["", "\n<!-- lead -->"])), shape, draw(overrides(body)))
    return {"main.html": main, "base.html": base, "mid.html": mid,
            "inc_a.html": inc_a, "inc_b.html": inc_b}


class Html:
    """An object with __html__: conditional_escape trusts it."""

    def __html__(self) -> str:
        return "<i>trusted</i>"

    def __str__(self) -> str:
        return "<i>plain</i>"


_text = st.text(alphabet=st.sampled_from(list("ab <>&\"'é\n")), max_size=6)
_utc = datetime.timezone.utc


#: Items of the list-valued names, so lists can be edited one item at a time.
ITEMS: dict[str, st.SearchStrategy[Any]] = {
    "lst": _text,
    "nums": st.integers(-5, 5),
    "pairs": st.tuples(_text, st.integers(0, 3)),
    "rows": st.fixed_dictionaries({"name": _text, "n": st.integers(0, 2),
                                   "tags": st.lists(_text, max_size=2)}),
}

#: A strategy for the value of each name the generated templates use (a few stay undefined).
VALUES: dict[str, st.SearchStrategy[Any]] = {
    **{key: st.lists(item, max_size=4) for key, item in ITEMS.items()},
    "s": _text,
    "safe": _text.map(mark_safe),
    "n": st.integers(-3, 12),
    "f": st.sampled_from([0.5, 1234.5678, -2.0]) | st.floats(-1e4, 1e4, allow_nan=False),
    "dec": st.decimals(-100, 100, places=2, allow_nan=False, allow_infinity=False)
    | st.just(decimal.Decimal("1E+3")),
    "flag": st.booleans(),
    "flag2": st.booleans(),
    "none": st.none(),
    "obj": st.builds(SimpleNamespace, name=_text, n=st.integers(0, 3)),
    "d": st.fixed_dictionaries({"key": _text}),
    "dt": st.datetimes(min_value=datetime.datetime(2000, 1, 1),
                       max_value=datetime.datetime(2030, 1, 1), timezones=st.just(_utc)),
    "htm": st.just(Html()),
    "lazy": st.just(gettext_lazy("Yes")),
    "tname": st.sampled_from(INCLUDE_NAMES),
    "base_name": st.just("base.html"),
}


def contexts() -> st.SearchStrategy[dict[str, Any]]:
    """One context for the generated templates."""
    return st.fixed_dictionaries(VALUES)


@st.composite
def scenarios(draw: Any) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """A template set and 2-4 contexts, each a few edits away from the previous one.

    Edits go to names the templates use, as an event's would. A loop over a
    list is always rendered, and lists are edited in place (append, drop the
    last, change one item) as often as replaced, so comprehension diffs get
    exercised, not just full resends.
    """
    templates = draw(template_sets())
    header, names = draw(st.sampled_from(LOOPS[:4]))
    body = draw(fragment(2, names + FORLOOP, INCLUDE_NAMES, min_size=1))
    loop = "{%% for %s %%}%s<li>%s</li>{%% endfor %%}" % (header, draw(loop_key(header)), body)
    # Outside any block, base.html renders it whatever main.html overrides.
    templates["base.html"] += loop
    if "{% extends" not in templates["main.html"]:
        templates["main.html"] += loop
    source = "".join(templates.values())
    used = sorted(key for key in VALUES if re.search(rf"\b{key}\b", source))
    looped = header.split(" in ")[1].split()[0]  # the list the loop iterates
    states = [draw(contexts())]
    for _ in range(draw(st.integers(1, 3))):
        state = dict(states[-1])
        keys = draw(st.sets(st.sampled_from(used), max_size=2)) | {looped}
        for key in sorted(keys):
            state[key] = draw(_edited(key, state[key]))
        states.append(state)
    return templates, states


def _edited(key: str, value: Any) -> st.SearchStrategy[Any]:
    fresh = VALUES[key]
    if key not in ITEMS:
        return fresh
    item = ITEMS[key]
    options = [fresh, item.map(lambda x: value + [x])]
    if value:
        index = st.integers(0, len(value) - 1)
        options.append(st.just(value[:-1]))
        options.append(st.tuples(index, item).map(
            lambda pair: value[:pair[0]] + [pair[1]] + value[pair[0] + 1:]))
        # Edits that shift entries, for keyed loops to turn into moves.
        options.append(st.tuples(st.integers(0, len(value)), item).map(
            lambda pair: value[:pair[0]] + [pair[1]] + value[pair[0]:]))
        options.append(index.map(lambda i: value[:i] + value[i + 1:]))
        options.append(st.tuples(index, index).map(lambda pair: _moved(value, *pair)))
    return st.one_of(options)


def _moved(items: list[Any], source: int, target: int) -> list[Any]:
    """`items` with the item at `source` taken out and put back at `target`."""
    rest = items[:source] + items[source + 1:]
    return rest[:target] + [items[source]] + rest[target:]


def engine_options() -> st.SearchStrategy[dict[str, Any]]:
    """Engine settings that change what a render produces."""
    return st.fixed_dictionaries({
        "autoescape": st.booleans(),
        "string_if_invalid": st.sampled_from(["", "INVALID", "<%s>"]),
        "debug": st.booleans(),
    })


# --- keyed tables under list edits ------------------------------------------------------------

#: Bodies of a keyed loop over `rows` (each row: id, name, ok, tags). Each shows a different
#: way an entry's content can depend on more than the row: position, state kept by tags,
#: a nested keyed loop (tags may repeat: then that inner render falls back to positions).
KEYED_BODIES = (
    '<tr id="r{{ r.id }}"><td>{{ r.name }}</td><td>{% if r.ok %}<b>on</b>{% else %}off'
    '{% endif %}</td></tr>',
    "<li>{{ forloop.counter }}. {{ r.name|upper }}{% if forloop.last %} (last){% endif %}</li>",
    '<li class="{% cycle "a" "b" %}">{{ r.name }}{% ifchanged r.ok %} *{% endifchanged %}</li>',
    "<li>{{ r.name }}<ul>{% for t in r.tags %}{% live_key t %}<li>{{ t }}</li>{% endfor %}"
    "</ul></li>",
    "<li>{{ r.id }}{% for t in r.tags %}{% live_key forloop.counter %}[{{ t }}]"
    "{% empty %}-{% endfor %}</li>",
)
KEYED_HEADERS = ("r in rows", "r in rows reversed")
KEYED_KEYS = ("r.id", 'r.id|stringformat:"s"', "r")

_row_text = st.text(alphabet=st.sampled_from(list("ab<&é ")), max_size=4)


@st.composite
def keyed_row(draw: Any, row_id: int) -> dict[str, Any]:
    """A row with the given id."""
    return {"id": row_id, "name": draw(_row_text), "ok": draw(st.booleans()),
            "tags": draw(st.lists(st.sampled_from(["t1", "t2", "<t3>"]), max_size=3))}


class Row(dict):  # type: ignore[type-arg]
    """A row usable as its own key: hashed and compared by id, as a model instance is by pk."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self["id"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and other["id"] == self["id"]

    def __ne__(self, other: object) -> bool:
        return not self == other


@st.composite
def keyed_scenarios(draw: Any) -> tuple[str, list[dict[str, Any]]]:
    """A keyed loop over `rows` and 2-8 states of `rows`, each 1-3 edits after the last."""
    body = draw(st.sampled_from(KEYED_BODIES))
    source = "<ul>{%% for %s %%}%s{%% live_key %s %%}%s{%% empty %%}<p>none</p>" \
             "{%% endfor %%}</ul>" % (draw(st.sampled_from(KEYED_HEADERS)),
                                      draw(st.sampled_from(["", "\n  "])),
                                      draw(st.sampled_from(KEYED_KEYS)), body)
    next_id = 0

    def new_row() -> dict[str, Any]:
        nonlocal next_id
        next_id += 1
        return Row(draw(keyed_row(next_id)))

    rows = [new_row() for _ in range(draw(st.integers(0, 8)))]
    states = [{"rows": rows}]
    for _ in range(draw(st.integers(1, 7))):
        rows = list(rows)
        for _ in range(draw(st.integers(1, 3))):
            kinds = ["insert", "insert"] + (["delete", "move", "move", "update"] if rows else [])
            kind = draw(st.sampled_from(kinds))
            if kind == "insert":
                rows.insert(draw(st.integers(0, len(rows))), new_row())
                continue
            index = draw(st.integers(0, len(rows) - 1))
            if kind == "delete":
                del rows[index]
            elif kind == "move":
                rows = _moved(rows, index, draw(st.integers(0, len(rows) - 1)))
            else:
                rows[index] = Row({**draw(keyed_row(rows[index]["id"])),
                                   **draw(st.sampled_from([{}, {"name": "x"}]))})
        states.append({"rows": rows})
    return source, states
