"""Property tests: the tree renders exactly what Django renders, and diffs merge to the new tree."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings

from liveview.core.render import render_tree
from liveview.core.diff import diff_tree
from liveview.core.tree import merge_diff, tree_to_html
from tests.core.template_strategies import (
    contexts,
    engine_options,
    keyed_scenarios,
    scenarios,
    template_sets,
)
from tests.core.treekit import check_wire, django_render, make_engine

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _django_or_error(template: Any, context: dict[str, Any]) -> str | Exception:
    try:
        return django_render(template, context)
    except Exception as exc:  # the property is "same outcome", errors included
        return exc


def _assert_same_error(template: Any, context: dict[str, Any], expected: Exception) -> None:
    with pytest.raises(type(expected)) as raised:
        render_tree(template, context)
    assert str(raised.value) == str(expected)


@PROPERTY_SETTINGS
@given(templates=template_sets(), context=contexts(), options=engine_options())
def test_tree_html_equals_django_render(
    templates: dict[str, str], context: dict[str, Any], options: dict[str, Any]
) -> None:
    template = make_engine(templates, **options).get_template("main.html")
    expected = _django_or_error(template, context)
    if isinstance(expected, Exception):
        _assert_same_error(template, context, expected)
        return
    tree = render_tree(template, context)
    check_wire(tree)
    assert tree_to_html(tree) == expected


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(scenario=scenarios(), options=engine_options())
def test_diffs_merge_into_the_new_tree(
    scenario: tuple[dict[str, str], list[dict[str, Any]]], options: dict[str, Any]
) -> None:
    templates, steps = scenario
    template = make_engine(templates, **options).get_template("main.html")
    sent: dict[str, Any] | None = None  # the last tree rendered, as the server keeps it
    held: dict[str, Any] | None = None  # what the client holds
    for context in steps:
        expected = _django_or_error(template, context)
        if isinstance(expected, Exception):
            _assert_same_error(template, context, expected)
            continue
        tree = render_tree(template, context)
        # Against the server's own last tree, which carries the loops' keys.
        diff = diff_tree(sent, tree)
        check_wire(diff, full=held is None)
        held = merge_diff(held, diff)
        assert held == tree
        assert tree_to_html(held) == expected
        assert diff_tree(held, tree) == {}
        if '"km"' in json.dumps(diff):
            event("a diff moved keyed entries")
        sent = tree


@settings(PROPERTY_SETTINGS, max_examples=300)
@given(scenario=keyed_scenarios())
def test_keyed_diffs_of_list_edits_merge_into_djangos_render(
    scenario: tuple[str, list[dict[str, Any]]]
) -> None:
    source, states = scenario
    template = make_engine({"main.html": source}).get_template("main.html")
    sent: dict[str, Any] | None = None
    held: dict[str, Any] | None = None
    for context in states:
        tree = render_tree(template, context)
        diff = diff_tree(sent, tree)
        check_wire(diff, full=held is None)
        held = merge_diff(held, diff)
        assert tree_to_html(held) == django_render(template, context)
        assert held == tree
        event("diff with moves" if '"km"' in json.dumps(diff) else "diff without moves")
        sent = tree
