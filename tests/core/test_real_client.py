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
from hypothesis import strategies as st

from liveview.core.render import render_tree
from liveview.core.diff import diff_tree
from liveview.core.tree import merge_diff, tree_to_html
from tests.core.corpus import CORPUS
from tests.core.template_strategies import engine_options, keyed_scenarios, scenarios
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
    sent: dict[str, Any] | None = None  # the server's last tree: it has the loops' keys
    held: dict[str, Any] | None = None  # the client's tree, by our merge rules
    for context in steps:
        try:
            html = django_render(template, context, request)
        except Exception:  # an error render sends nothing; parity of errors is tested elsewhere
            continue
        tree = render_tree(template, context, request)
        diff = diff_tree(sent, tree)
        held = merge_diff(held, diff)
        assert tree_to_html(held) == tree_to_html(tree)
        messages.append(diff)
        expected.append(html)
        sent = tree
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


KEYED_TABLE = TABLE.replace("{% for r in rows %}", "{% for r in rows %}{% live_key r.id %}")


def test_keyed_table_edits_through_the_real_client() -> None:
    def row(i: int, **fields: Any) -> dict[str, Any]:
        return {"id": i, "name": f"<n{i}>", "ok": i % 3 == 0, **fields}

    first = [row(i) for i in range(1000)]
    prepended = [row(-1), *first]
    deleted = prepended[1:]
    moved = deleted[:10] + [deleted[500]] + deleted[10:500] + deleted[501:]
    swapped = [moved[1], moved[0], *moved[2:]]
    changed_and_moved = [row(0, name="x&y") if r["id"] == 0 else r for r in swapped][::-1]
    steps = [{"rows": rows} for rows in
             (first, prepended, deleted, moved, swapped, changed_and_moved, first[:3], [],
              first[5:1:-1])]
    template = make_engine({"t": KEYED_TABLE}).get_template("t")
    messages, expected = scenario(template, steps)
    # The cycle tag gives a row shifted by one place the other class: the moves carry it.
    assert messages[1]["0"]["k"]["1"] == [0, {"0": "b"}]
    assert messages[2]["0"]["k"]["0"] == [1, {"0": "a"}]
    assert messages[4]["0"]["k"] == {"0": [1, {"0": "a"}], "1": [0, {"0": "b"}], "km": True,
                                     "kc": 1000}
    assert all("km" in message["0"]["k"] for message in messages[1:7])
    assert_client_matches([(messages, expected)])


def test_keyed_moves_merge_like_the_client() -> None:
    # Hand-written diffs, including ones the server would not send (a position merged
    # in place that is also the source of a move, km without a move).
    base = {"s": ["<ul>", "</ul>"], "0": {"s": ["<li>", "|", "</li>"], "k": {
        "0": {"0": "a", "1": "1"}, "1": {"0": "b", "1": "2"}, "2": {"0": "c", "1": "3"},
        "kc": 3}}}
    diffs = [{"0": 2, "1": 0, "2": 1, "kc": 3, "km": True},
             {"0": [2, {"1": "9"}], "2": 0, "kc": 3, "km": True},
             {"0": {"0": "A"}, "1": 0, "2": 1, "kc": 3, "km": True},
             {"0": 1, "1": {"0": "B"}, "kc": 2, "km": True},
             {"0": {"0": "n", "1": "0"}, "1": 0, "2": 1, "3": 2, "kc": 4, "km": True},
             {"0": 1, "1": 2, "kc": 2, "km": True},
             {"1": {"1": "7"}, "kc": 3, "km": True}]
    cases = [[base, {"0": {"k": keyed}}] for keyed in diffs]
    ours = [[tree_to_html(base), tree_to_html(merge_diff(base, diff))] for _, diff in cases]
    assert run_client(cases) == ours


def test_keyed_list_edits_through_the_real_client() -> None:
    collected: list[Scenario] = []

    @settings(max_examples=60, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(generated=keyed_scenarios(), autoescape=st.booleans())
    def collect(generated: tuple[str, list[dict[str, Any]]], autoescape: bool) -> None:
        source, steps = generated
        template = make_engine({"main.html": source}, autoescape=autoescape).get_template(
            "main.html")
        collected.append(scenario(template, steps))

    collect()
    moves = sum('"km"' in json.dumps(message) for messages, _ in collected for message in messages)
    assert moves > 50
    assert_client_matches(collected)


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
