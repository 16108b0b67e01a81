"""Rendering engine speed and size: a 1000-row table, full render and a one-row diff.

Run standalone: `.venv/bin/python bench/render.py`. Prints figures and how they
compare to the targets; it never fails on them (timings depend on the machine).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    USE_TZ=True,
)
django.setup()

from django.template import Context, Engine  # noqa: E402

from liveview.core.render import render_tree  # noqa: E402
from liveview.core.diff import diff_tree  # noqa: E402
from liveview.core.tree import merge_diff, tree_to_html  # noqa: E402

ROWS = 1000
TABLE = """<table class="orders">
  <thead><tr><th>#</th><th>Name</th><th>Status</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr id="row-{{ row.id }}">
      <td>{{ row.id }}</td>
      <td>{{ row.name|title }}</td>
      <td>{% if row.active %}<span class="on">active</span>{% else %}off{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>"""


def make_rows(changed: int | None = None) -> list[dict[str, Any]]:
    """ROWS rows; row `changed` gets a new name."""
    rows = [{"id": i, "name": f"customer <{i}> & sons", "active": i % 3 != 0}
            for i in range(ROWS)]
    if changed is not None:
        rows[changed] = {**rows[changed], "name": "renamed customer"}
    return rows


def best_ms(fn: Callable[[], Any], repeat: int = 30) -> tuple[float, float]:
    """(median, minimum) wall time of `fn` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def size(value: Any) -> int:
    """Bytes of `value` as compact JSON, as it goes on the wire."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def main() -> None:
    engine = Engine(loaders=[("django.template.loaders.cached.Loader",
                              [("django.template.loaders.locmem.Loader", {"t": TABLE})])])
    template = engine.get_template("t")
    before = {"rows": make_rows()}
    after = {"rows": make_rows(changed=ROWS // 2)}

    old = render_tree(template, before)
    new = render_tree(template, after)
    diff = diff_tree(old, new)
    assert tree_to_html(merge_diff(old, diff)) == template.render(Context(after))

    tree_ms = best_ms(lambda: render_tree(template, before))
    django_ms = best_ms(lambda: template.render(Context(before)))
    diff_ms = best_ms(lambda: diff_tree(old, new), repeat=100)
    html_ms = best_ms(lambda: tree_to_html(old))
    merge_ms = best_ms(lambda: merge_diff(old, diff), repeat=100)
    ratio = tree_ms[0] / django_ms[0]

    print(f"{ROWS}-row table, 3 columns, a filter and an if per row "
          "(median / best of runs, ms)")
    print(f"  render_tree (full tree)        {tree_ms[0]:8.2f} / {tree_ms[1]:.2f}")
    print(f"  Django Template.render         {django_ms[0]:8.2f} / {django_ms[1]:.2f}")
    print(f"  tree / Django                  {ratio:8.2f}x   target <= 2x  "
          f"{'ok' if ratio <= 2 else 'MISSED'}")
    print(f"  diff_tree (one row changed)    {diff_ms[0]:8.3f} / {diff_ms[1]:.3f}"
          f"   target < 5 ms  {'ok' if diff_ms[0] < 5 else 'MISSED'}")
    print(f"  merge_diff (one row)           {merge_ms[0]:8.3f} / {merge_ms[1]:.3f}")
    print(f"  tree_to_html (full tree)       {html_ms[0]:8.2f} / {html_ms[1]:.2f}")
    print(f"  full render JSON               {size(old):8d} bytes "
          f"(HTML {len(tree_to_html(old).encode())} bytes)")
    print(f"  one-row diff JSON              {size(diff):8d} bytes   target < 150  "
          f"{'ok' if size(diff) < 150 else 'MISSED'}")
    print(f"  one-row diff                   {json.dumps(diff, separators=(',', ':'))}")


if __name__ == "__main__":
    main()
