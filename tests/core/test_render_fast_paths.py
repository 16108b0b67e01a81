"""The compiler's shortcuts through Django's render (liveview.core.compiler), each against
Django's own render."""
from __future__ import annotations

from typing import Any

from liveview.core import compiler
from liveview.core.tree import tree_to_html
from tests.core.test_render import render_both
from tests.core.treekit import make_engine


# --- the render context --------------------------------------------------------------------


def test_each_template_render_has_its_own_render_context() -> None:
    # The included loop keeps its cycle in the include's render context: each render of the
    # included template (the same Template, through the include's cache) starts afresh.
    tree = render_both("{{ n }}{% for i in 'xy' %}{% include 'inc.html' %}{% endfor %}",
                       {"n": 1, "xs": [1, 2, 3]},
                       templates={"inc.html": "{% for x in xs %}{% cycle 'a' 'b' %}{% endfor %}"})
    assert tree_to_html(tree) == "1abaaba"


def test_plans_know_whether_they_use_the_render_context() -> None:
    def plan(source: str) -> Any:
        return compiler.plan_for(make_engine({"t": source}).get_template("t").nodelist)

    assert not plan("{{ a }}{% if a %}{% for x in a %}{% with b=x %}{{ b }}{% endwith %}"
                    "{% endfor %}{% endif %}").uses_render_context
    for source in ("{% cycle 'a' 'b' %}", "{% if a %}{% include 't' %}{% endif %}",
                   "{% for x in a %}{% ifchanged x %}{% endifchanged %}{% endfor %}",
                   "{% with b=1 %}{% block c %}{% endblock %}{% endwith %}"):
        assert plan(source).uses_render_context, source
