"""The render path's shortcuts: the generated render function of each plan
(`liveview.core.compiler.generate`), its fallbacks, the bare render of `render_tree` and a
component registry's view render started over."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.template import Context

from liveview import LiveComponent
from liveview.components import ComponentRegistry
from liveview.core import compiler
from liveview.core.components import HOST_KEY
from liveview.core.render import render_tree
from liveview.core.tracking import TRACK_KEY, Tracker
from liveview.core.tree import tree_to_html
from tests.core.test_render import render_both
from tests.core.treekit import make_engine

COUNTER = ('<p>{{ count }}</p>{% if count < 0 %}<i>{{ count }} {{ d.k }}</i>'
           '{% elif count == 0 or not d %}zero{% else %}{{ d.k }}{% endif %}')


def plan_of(source: str, **options: Any) -> Any:
    return compiler.plan_for(make_engine({"t": source}, **options).get_template("t").nodelist)


def generated(plan: Any) -> bool:
    return getattr(plan.render, "__self__", None) is not plan


def test_a_plan_renders_through_one_generated_function() -> None:
    plan = plan_of(COUNTER)
    assert generated(plan)
    for count in (-2, 0, 3):
        context = Context({"count": count, "d": {"k": "<k>"}})
        assert plan.render(context) == plan.render_slots(context)
        assert tree_to_html(render_both(COUNTER, {"count": count, "d": {"k": "<k>"}}))


def test_nesting_past_the_generators_depth_calls_the_inner_slots() -> None:
    # Inline all the way, 30 nested ifs would pass CPython's 20 nested blocks per function.
    source = "{% if a %}{{ a }}" * 30 + "{% endif %}" * 30
    plan = plan_of(source)
    assert generated(plan)
    assert tree_to_html(render_both(source, {"a": "x"})) == "x" * 30


def test_a_plan_that_does_not_compile_renders_with_its_slots(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    def refuse(*args: Any) -> Any:
        raise SyntaxError("too many statically nested blocks")

    monkeypatch.setattr(compiler, "compile", refuse, raising=False)
    plan = plan_of(COUNTER)
    assert plan.render == plan.render_slots
    assert tree_to_html(render_both(COUNTER, {"count": -1, "d": {"k": "v"}})) \
        == "<p>-1</p><i>-1 v</i>"


class Boom:
    def __str__(self) -> str:
        raise ValueError("boom")

    def __bool__(self) -> bool:
        raise ValueError("no truth")


@pytest.mark.parametrize("source", ["{{ a }}{{ boom }}", "{% if a %}{% if a %}{{ boom }}"
                                    "{% endif %}{% endif %}", "{% if a %}{% if boom %}x{% endif %}{% endif %}"])
def test_generated_code_annotates_errors_as_the_slots(source: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def failure() -> Any:
        template = make_engine({"t": source}, debug=True).get_template("t")
        with pytest.raises(ValueError) as info:
            render_tree(template, {"a": 1, "boom": Boom()})
        return info.value

    fast = failure()
    monkeypatch.setattr(compiler, "generate", lambda plan: None)
    slow = failure()
    assert fast.template_debug["during"] == slow.template_debug["during"]  # type: ignore
    assert fast.template_debug["line"] == slow.template_debug["line"]  # type: ignore


# --- render_tree's bare render ----------------------------------------------------------------


def test_a_tag_writing_into_the_context_never_reaches_the_callers_dict() -> None:
    for source in ("{% cycle 'a' 'b' as c %}{{ c }}", "{% if 1 %}{% cycle 'a' as c %}{% endif %}"):
        context = {"n": 1}
        render_both(source, context)
        assert context == {"n": 1}


def test_the_bare_render_is_bound_to_its_template() -> None:
    # string_if_invalid and the debug annotation read the template off the Context.
    template = make_engine({"t": "{{ missing }}{{ boom }}"}, debug=True,
                           string_if_invalid="<%s>").get_template("t")
    with pytest.raises(ValueError) as info:
        render_tree(template, {"boom": Boom()})
    assert info.value.template_debug["during"] == "{{ boom }}"  # type: ignore[attr-defined]
    assert tree_to_html(render_tree(template, {"boom": ""})) == "&lt;missing&gt;"


def test_a_small_template_renders_untracked_beside_its_tracker() -> None:
    template = make_engine({"t": COUNTER}).get_template("t")
    tracker = Tracker()
    context = {"count": 2, "d": {"k": "v"}, TRACK_KEY: tracker}
    assert tree_to_html(render_tree(template, context)) == "<p>2</p>v"
    assert context[TRACK_KEY] is tracker and len(context) == 3


def test_the_bare_render_keeps_its_context_for_the_next_one_but_not_the_values() -> None:
    template = make_engine({"t": "{% for i in items %}{{ i }}{% endfor %}{{ n }}"}
                           ).get_template("t")
    plan = compiler.plan_for(template.nodelist)
    first = {"items": [1, 2], "n": "a"}
    assert tree_to_html(render_tree(template, first)) == "12a"
    [kept] = plan.spare_contexts
    assert kept.dicts[1] is not first and len(kept.dicts) == 2  # the loop's layer popped
    assert tree_to_html(render_tree(template, {"items": [], "n": "b"})) == "b"
    assert plan.spare_contexts == [kept]


def test_a_bare_render_that_raises_does_not_give_its_context_back() -> None:
    template = make_engine({"t": "{% autoescape off %}{{ boom }}{% endautoescape %}"}
                           ).get_template("t")
    plan = compiler.plan_for(template.nodelist)
    with pytest.raises(ValueError):
        render_tree(template, {"boom": Boom()})
    assert plan.spare_contexts == []  # (its autoescape was left off)
    assert tree_to_html(render_tree(template, {"boom": "<b>"})) == "<b>"
    assert plan.spare_contexts[0].autoescape is True


class RendersAgain:
    """A value whose rendering renders the same template again (with other values)."""

    def __init__(self, template: Any) -> None:
        self.template = template

    def __str__(self) -> str:
        return tree_to_html(render_tree(self.template, {"x": "in", "y": "-inner"}))


def test_a_bare_render_within_one_of_the_same_template_takes_a_context_of_its_own() -> None:
    template = make_engine({"t": "{{ x }}{{ y }}"}, autoescape=False).get_template("t")
    assert tree_to_html(render_tree(template, {"x": "a", "y": "b"})) == "ab"  # one kept
    html = tree_to_html(render_tree(template, {"x": RendersAgain(template), "y": "-outer"}))
    assert html == "in-inner-outer"


# --- a view's render started over ---------------------------------------------------------------


class Badge(LiveComponent):
    updates = 0

    def render(self, context: dict[str, Any]) -> dict[str, Any]:
        return {"s": ["<b>", "</b>"], "0": str(context.get("n", ""))}

    def update(self, assigns: dict[str, Any], socket: Any) -> None:
        Badge.updates += 1
        socket.context.update(assigns)


class PlacesThenFails:
    """Places a component, then (the first time) fails as a lazy queryset on the loop."""

    def __init__(self) -> None:
        self.failures = 1

    def render(self, context: dict[str, Any]) -> dict[str, Any]:
        # Other assigns at each attempt: what the failed one placed must be forgotten.
        cid = context[HOST_KEY].component(Badge, {"id": "b", "n": 5 + self.failures})
        if self.failures:
            self.failures -= 1
            raise SynchronousOnlyOperation("a lazy queryset")
        return {"s": ["", ""], "0": cid}


@pytest.mark.django_db
async def test_a_render_started_over_places_its_components_once() -> None:
    registry = ComponentRegistry()
    socket = SimpleNamespace(context={}, flash={}, streams=None, component_updates=[],
                             view_id="v", connected=True)
    Badge.updates = 0
    tree = await registry.render(PlacesThenFails(), socket)
    assert tree == {"s": ["", ""], "0": 1}
    assert Badge.updates == 1 and registry.cids == [1]
    assert registry.table()["1"]["0"] == "5"
