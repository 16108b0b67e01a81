"""Keyed loops: diff bytes and diff time for list edits on a 1000-row table.

Run standalone: `.venv/bin/python bench/lists.py`. The table of bench/render.py is
rendered once with `{% live_key row.id %}` and once without; for each edit the
script prints the diff's JSON size for both, its size after raw deflate (about
what permessage-deflate sends, for servers that negotiate it), the keyed diff's
CPU time, and how the keyed size compares to the target. It never fails on them.

Every diff is checked first: merged by the client's rules it must give exactly
Django's render of the edited list.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
import zlib
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

from liveview.core.diff import diff_tree  # noqa: E402
from liveview.core.render import render_tree  # noqa: E402
from liveview.core.tree import merge_diff, tree_to_html  # noqa: E402

ROWS = 1000
TABLE = """{% load liveview %}<table class="orders">
  <thead><tr><th>#</th><th>Name</th><th>Status</th></tr></thead>
  <tbody>
  {% for row in rows %}{% live_key row.id %}
    <tr id="row-{{ row.id }}">
      <td>{{ row.id }}</td>
      <td>{{ row.name|title }}</td>
      <td>{% if row.active %}<span class="on">active</span>{% else %}off{% endif %}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>"""
UNKEYED = TABLE.replace("{% live_key row.id %}", "")

Rows = list[dict[str, Any]]


def row(i: int) -> dict[str, Any]:
    return {"id": i, "name": f"customer <{i}> & sons", "active": i % 3 != 0}


def moved(rows: Rows, source: int, target: int) -> Rows:
    rest = rows[:source] + rows[source + 1:]
    return rest[:target] + [rows[source]] + rest[target:]


#: (label, edit, keyed target in bytes or None)
EDITS: list[tuple[str, Callable[[Rows], Rows], int | None]] = [
    ("prepend one row", lambda rows: [row(ROWS)] + rows, 200),
    ("delete the first row", lambda rows: rows[1:], 100),
    ("move one row one place down", lambda rows: moved(rows, 500, 501), 100),
    ("move one row 10 places up", lambda rows: moved(rows, 500, 490), 100),
    ("move the last row to the top", lambda rows: moved(rows, ROWS - 1, 0), 100),
    ("change one row", lambda rows: rows[:500] + [{**rows[500], "name": "renamed customer"}]
     + rows[501:], 150),
    ("append one row", lambda rows: rows + [row(ROWS)], None),
    ("delete a middle row", lambda rows: rows[:500] + rows[501:], None),
    ("swap rows 100 and 900", lambda rows: rows[:100] + [rows[900]] + rows[101:900]
     + [rows[100]] + rows[901:], None),
    ("reverse the list", lambda rows: rows[::-1], None),
]


def size(value: Any) -> int:
    """Bytes of `value` as compact JSON, as it goes on the wire."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def deflated(value: Any) -> int:
    """Bytes after raw deflate of the JSON: roughly one permessage-deflate frame's payload."""
    compress = zlib.compressobj(wbits=-15)
    data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return len(compress.compress(data) + compress.flush(zlib.Z_SYNC_FLUSH)) - 4


def best_ms(fn: Callable[[], Any], repeat: int = 30) -> tuple[float, float]:
    """(median, minimum) wall time of `fn` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def make_engine(**templates: str) -> Engine:
    """An engine with the liveview tags and the templates `keyed`, `plain` and `templates`."""
    return Engine(libraries={"liveview": "liveview.templatetags.liveview"},
                  loaders=[("django.template.loaders.cached.Loader",
                            [("django.template.loaders.locmem.Loader",
                              {"keyed": TABLE, "plain": UNKEYED, **templates})])])


def checked_diff(template: Any, old: dict[str, Any], rows: Rows
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(diff, new tree) for `rows`; the diff, merged by the client's rules into `old`, must
    give exactly Django's render."""
    new = render_tree(template, {"rows": rows})
    diff = diff_tree(old, new)
    assert tree_to_html(merge_diff(old, diff)) == template.render(Context({"rows": rows}))
    return diff, new


def main() -> None:
    engine = make_engine()
    keyed, plain = engine.get_template("keyed"), engine.get_template("plain")
    before = [row(i) for i in range(ROWS)]
    old = {"keyed": render_tree(keyed, {"rows": before}),
           "plain": render_tree(plain, {"rows": before})}

    print(f"{ROWS}-row table, 3 columns, keyed by row.id vs unkeyed "
          f"(load {os.getloadavg()[0]:.2f})")
    print(f"  full render JSON {size(old['keyed'])} bytes, keyed and unkeyed alike")
    print(f"  {'edit':30} {'keyed B':>8} {'deflated':>8} {'unkeyed B':>10} {'deflated':>8}"
          f" {'keyed diff ms':>14} {'unkeyed ms':>11}   target")
    for label, edit, target in EDITS:
        after = edit(before)
        sizes, times = {}, {}
        for name, template in (("keyed", keyed), ("plain", plain)):
            diff, new = checked_diff(template, old[name], after)
            sizes[name] = (size(diff), deflated(diff))
            times[name] = best_ms(lambda o=old[name], n=new: diff_tree(o, n))
        verdict = ""
        if target is not None:
            verdict = f"<= {target} B  {'ok' if sizes['keyed'][0] <= target else 'MISSED'}"
        print(f"  {label:30} {sizes['keyed'][0]:8d} {sizes['keyed'][1]:8d}"
              f" {sizes['plain'][0]:10d} {sizes['plain'][1]:8d}"
              f" {times['keyed'][0]:8.3f}/{times['keyed'][1]:.3f}"
              f" {times['plain'][0]:11.3f}   {verdict}")
    render_ms = {name: best_ms(lambda t=template: render_tree(t, {"rows": before}), repeat=20)
                 for name, template in (("keyed", keyed), ("plain", plain))}
    print(f"  render_tree (full tree, ms)    keyed {render_ms['keyed'][0]:.2f} / "
          f"unkeyed {render_ms['plain'][0]:.2f} (median)")
    sample = diff_tree(old["keyed"], render_tree(keyed, {"rows": moved(before, 500, 501)}))
    print(f"  keyed diff, move one row one place down: {json.dumps(sample, separators=(',', ':'))}")


if __name__ == "__main__":
    main()
