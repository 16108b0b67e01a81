"""The real phoenix_live_view client renders our trees and diffs exactly as Django renders.

Each scenario is sent to tests/js/rendered_client.mjs (Node + the installed
npm package's Rendered class): the first render, then the diff of each later
render. The HTML the client holds after each message must equal Django's own
render of that step. Missing node or npm package is a failure, not a skip.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.template import loader
from hypothesis import HealthCheck, given, settings

from liveview.core.render import render_tree
from liveview.core.diff import diff_tree
from liveview.core.tree import merge_diff, tree_to_html
from tests.core.corpus import CORPUS
from tests.core.template_strategies import engine_options, scenarios
from tests.core.treekit import django_render, make_engine, unmask_csrf

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "js" / "rendered_client.mjs"
CLIENT_SOURCE = REPO / "node_modules/phoenix_live_view/assets/js/phoenix_live_view/rendered.js"

#: (messages sent, Django's HTML after each message)
Scenario = tuple[list[dict[str, Any]], list[str]]


def run_client(messages: list[list[dict[str, Any]]]) -> list[list[str]]:
    """The HTML the real client holds after each message of each scenario."""
    node = shutil.which("node")
    assert node, "node is not on PATH: the real-client test needs Node 20"
    assert CLIENT_SOURCE.is_file(), f"{CLIENT_SOURCE} missing: run `npm ci`"
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps(messages), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def scenario(template: Any, steps: list[dict[str, Any]], request: Any = None) -> Scenario:
    """The wire messages for rendering `steps` in turn, and Django's HTML for each."""
    messages, expected = [], []
    held: dict[str, Any] | None = None
    for context in steps:
        try:
            html = django_render(template, context, request)
        except Exception:  # an error render sends nothing; parity of errors is tested elsewhere
            continue
        tree = render_tree(template, context, request)
        diff = diff_tree(held, tree)
        held = merge_diff(held, diff)
        assert tree_to_html(held) == tree_to_html(tree)
        messages.append(diff)
        expected.append(html)
    return messages, expected


def assert_client_matches(cases: list[Scenario]) -> None:
    results = run_client([messages for messages, _ in cases])
    assert len(results) == len(cases)
    for (messages, expected), got in zip(cases, results):
        assert [unmask_csrf(html) for html in got] == [unmask_csrf(html) for html in expected], (
            json.dumps(messages)[:2000])


def test_corpus_sequences_through_the_real_client(corpus_backend: None, request_obj: Any) -> None:
    assert_client_matches([scenario(loader.get_template(name), steps, request_obj)
                           for name, steps in CORPUS.items()])


TABLE = ("<table>{% for r in rows %}<tr class=\"{% cycle 'a' 'b' %}\"><td>{{ r.id }}</td>"
         "<td>{{ r.name|upper }}</td><td>{% if r.ok %}<b>yes</b>{% else %}no{% endif %}</td>"
         "</tr>{% empty %}<tr><td>empty</td></tr>{% endfor %}</table>")


def test_large_table_changes_through_the_real_client() -> None:
    def rows(n: int, **fields: Any) -> list[dict[str, Any]]:
        return [{"id": i, "name": f"<n{i}>", "ok": i % 3 == 0, **fields} for i in range(n)]

    changed = rows(1000)
    changed[500] = {"id": 500, "name": "x&y", "ok": True}
    steps = [{"rows": rows(1000)}, {"rows": changed}, {"rows": rows(1003)},
             {"rows": rows(10)}, {"rows": rows(10, ok=True)}, {"rows": []},
             {"rows": rows(2)}]
    template = make_engine({"t": TABLE}).get_template("t")
    messages, expected = scenario(template, steps)
    assert messages[1] == {"0": {"k": {"500": {"2": "X&amp;Y", "3": {"s": ["<b>yes</b>"]}},
                                       "kc": 1000}}}
    assert_client_matches([(messages, expected)])


def test_generated_templates_through_the_real_client() -> None:
    collected: list[Scenario] = []

    # Hypothesis only generates here (derandomized, so the set is stable); the
    # client runs once over all of them, as one Node process per example is slow.
    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(generated=scenarios(), options=engine_options())
    def collect(generated: tuple[dict[str, str], list[dict[str, Any]]],
                options: dict[str, Any]) -> None:
        templates, steps = generated
        template = make_engine(templates, **options).get_template("main.html")
        messages, expected = scenario(template, steps)
        if messages:
            collected.append((messages, expected))

    collect()
    assert len(collected) > 30
    assert_client_matches(collected)


_COMPONENT_ATTRS = re.compile(r' data-phx-(?:component|view|id)="[^"]*"')


def test_component_merging_agrees_with_the_real_client() -> None:
    messages = [
        {"s": ["<main>", "", "</main>"], "0": 1, "1": 2,
         "c": {"1": {"s": ["<a>", "</a>"], "0": "one", "r": 1},
               "2": {"s": ["<b>", "</b>"], "0": "two", "r": 1}}},
        {"1": 3, "c": {"1": {"0": "ONE"}, "3": {"s": -2, "0": "three"},
                       "4": {"s": 3, "0": "four"}}, "t": "ignored title"},
        {"0": 4},
    ]
    held: dict[str, Any] | None = None
    ours = []
    for message in messages:
        held = merge_diff(held, message)
        ours.append(tree_to_html(held))
    client = [_COMPONENT_ATTRS.sub("", html) for html in run_client([messages])[0]]
    assert client == ours == ["<main><a>one</a><b>two</b></main>",
                              "<main><a>ONE</a><b>three</b></main>",
                              "<main><b>four</b><b>three</b></main>"]
