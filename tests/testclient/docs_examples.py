"""The code blocks of docs/testing.md, for tests/testclient/test_docs.py.

The doc's example view (SearchLiveView) and its template come from the doc itself, so the
tests run what the page shows; it is routed at /search/ next to the demo project's pages.
"""
from __future__ import annotations

import re
from pathlib import Path

from django.template import engines
from django.urls import include, path

from liveview import LiveView
from liveview.core.render import render_tree

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    """The doc's code blocks in `language`, each padded with blank lines so that errors
    point at the doc's own line numbers."""
    text = DOC.read_text()
    return ["\n" * text.count("\n", 0, match.start(2)) + match[2]
            for match in BLOCK.finditer(text) if match[1] == language]


def example_namespace() -> dict:
    """Every Python block of the doc run in one namespace (as a test module would be), but
    the blocks for the user's own project (labelled `# myapp/...`), which
    tests/install/test_docs_examples.py runs in a fresh startproject."""
    namespace: dict = {"LiveView": LiveView, "__name__": "docs_testing_md"}
    for code in blocks("python"):
        if code.lstrip("\n").startswith("# myapp/"):
            continue
        exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own doc
    return namespace


_namespace = example_namespace()
_search_template = engines["django"].from_string(
    next(code for code in blocks("html") if 'id="q"' in code))


class DocSearchLiveView(_namespace["SearchLiveView"]):
    """The doc's view with the doc's template (it names a file users would create)."""

    def render(self, context):
        return render_tree(_search_template, context)


urlpatterns = [
    path("search/", DocSearchLiveView.as_view()),
    path("", include("demo_project.urls")),
]
