"""Change tracking, in process: server CPU per click for render + diff, tracking off and on.

Three views, each rendered as a connected view renders it (`render_tree` with the view's
`Tracker` in the context, then `diff_tree` against the last tree), with the variables the
runtime adds (`flash`, the component host):

- `counter`: the demo counter (`demos/counter.html`), a click adds one;
- `counter+table`: the same markup beside the 1000-row table of `render.py`, which a click
  leaves alone (issue 15: at most 0.1 ms more than the bare counter);
- `one row`: the same page, each click also renames one row in place (a different row each
  time; issue 15: at most 6 ms);
- `counter+tuples`: `counter+table` with the rows as one tuple of tuples, which tracking
  proves unchanged by identity instead of by content;
- `component`: the markup of `counter+table` as a live component's (its own state: the count
  and the rows) in a view; a click is the component's event, then the view's render pass (the
  component rendered again) and the component table of the diff, through the runtime's
  component registry (issue 15: components are tracked like views).

Off and on are measured in alternating batches in one process, so machine load hits both
alike; figures are CPU time (`time.process_time`), median and best of the batches. Every
tracked tree is first checked equal to the full render of the same state.

Then the check itself for the 1000 rows, as `Tracker.begin` makes it at each click: the C
extension's `unchanged()` (when built) against `marshal.dumps` + bytes compare, and what each
keeps per view for the rows. `--marshal` runs everything with the extension switched off.

    .venv/bin/python bench/tracking.py [--batches 15] [--clicks 40] [--marshal]
"""
from __future__ import annotations

import argparse
import asyncio
import marshal
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")

import django  # noqa: E402

django.setup()

from django.template import Template, loader  # noqa: E402

from bench.tracking_app.views import TEMPLATE, make_rows  # noqa: E402
from liveview import LiveComponent  # noqa: E402
from liveview.components import ComponentRegistry  # noqa: E402
from liveview.core.components import HOST_KEY  # noqa: E402
from liveview.core.diff import diff_tree  # noqa: E402
from liveview.core.render import render_tree  # noqa: E402
from liveview.core import tracking as tracking_module  # noqa: E402
from liveview.core.tracking import TRACK_KEY, Tracker  # noqa: E402


class View:
    """One connected view: its state, the tree its client holds, its tracker (or none)."""

    def __init__(self, template: Any, context: dict[str, Any], click: Callable[[dict], None],
                 tracking: bool) -> None:
        self.template, self.context, self.click = template, context, click
        self.tracker = Tracker() if tracking else None
        # What rendering.view_context adds to every render.
        self.extra: dict[str, Any] = {"flash": {}, HOST_KEY: object()}
        self.held = self.render()

    def render(self) -> dict[str, Any]:
        values = {**self.context, **self.extra}
        if self.tracker is not None:
            values[TRACK_KEY] = self.tracker
        return render_tree(self.template, values)

    def one_click(self) -> dict[str, Any]:
        self.click(self.context)
        tree = self.render()
        diff = diff_tree(self.held, tree)
        self.held = tree
        return diff


def increment(context: dict[str, Any]) -> None:
    context["count"] += 1


def rename_one(context: dict[str, Any]) -> None:
    count = context["count"] = context["count"] + 1
    context["rows"][count % len(context["rows"])]["name"] = f"renamed {count}"


TUPLE_TEMPLATE = Template(TEMPLATE.template.source.replace("row.id", "row.0").replace(
    "row.name", "row.1").replace("row.active", "row.2"), engine=TEMPLATE.template.engine)


def tuple_rows() -> tuple[tuple[Any, ...], ...]:
    return tuple((row["id"], row["name"], row["active"]) for row in make_rows())


BOX_TEMPLATE = Template('<div id="box">' + TEMPLATE.template.source + "</div>",
                        engine=TEMPLATE.template.engine)
BOX_PAGE = Template('{% load liveview %}<main>{% live_component box id="table" %}</main>',
                    engine=TEMPLATE.template.engine)


class TableBox(LiveComponent):
    """The counter beside the table, as a component holding both."""

    def mount(self, socket: Any) -> None:
        socket.context.update(count=0, rows=make_rows())

    async def handle_event(self, event: str, payload: Any, socket: Any) -> None:
        socket.context["count"] += 1

    def render(self, context: dict[str, Any]) -> dict[str, Any]:
        return render_tree(BOX_TEMPLATE, context)


class BoxPage:
    """A view holding one TableBox, with the runtime's registry; `one_click` is an event of
    the component, the render pass and the component table (its diff)."""

    class Socket:
        def __init__(self) -> None:
            self.context: dict[str, Any] = {"box": TableBox}

        def render(self, context: dict[str, Any]) -> dict[str, Any]:
            return render_tree(BOX_PAGE, context)

    def __init__(self, tracking: bool) -> None:
        self.loop = asyncio.new_event_loop()
        self.registry = ComponentRegistry(tracking=tracking)
        self.socket = self.view = self.Socket()
        self.loop.run_until_complete(self.registry.render(self.view, self.socket))
        self.registry.table()
        self.held = self.box_tree()

    def box_tree(self) -> dict[str, Any]:
        return self.registry._by_cid[1].tree  # type: ignore[return-value]

    async def _click(self) -> dict[str, Any]:
        await self.registry.handle_event(1, "increment", {})
        await self.registry.render(self.view, self.socket)
        return self.registry.table()

    def one_click(self) -> dict[str, Any]:
        diff = self.loop.run_until_complete(self._click())
        self.held = self.box_tree()
        return diff


SCENARIOS: dict[str, tuple[Callable[[], Any], Callable[[], dict[str, Any]], Callable]] = {
    "counter": (lambda: loader.get_template("demos/counter.html"), lambda: {"count": 0},
                increment),
    "counter+table": (lambda: TEMPLATE, lambda: {"count": 0, "rows": make_rows()}, increment),
    "one row": (lambda: TEMPLATE, lambda: {"count": 0, "rows": make_rows()}, rename_one),
    "counter+tuples": (lambda: TUPLE_TEMPLATE, lambda: {"count": 0, "rows": tuple_rows()},
                       increment),
}


#: Cases measured through the component registry instead of a view's render.
COMPONENT_CASES = {"component": BoxPage}


def make_view(name: str, tracking: bool) -> Any:
    if name in COMPONENT_CASES:
        return COMPONENT_CASES[name](tracking)
    template, make_context, click = SCENARIOS[name]
    return View(template(), make_context(), click, tracking)


def check(name: str) -> None:
    """The tracked view renders what the untracked one renders, click after click."""
    tracked, full = make_view(name, True), make_view(name, False)
    for _ in range(5):
        assert tracked.one_click() == full.one_click(), name
        assert tracked.held == full.held, name


def per_click_ms(view: View, clicks: int) -> float:
    start = time.process_time()
    for _ in range(clicks):
        view.one_click()
    return (time.process_time() - start) * 1000 / clicks


def per_check_us(check: Callable[[], Any], batches: int, checks: int = 200) -> float:
    """CPU microseconds of one `check()`, best of `batches`."""
    best = float("inf")
    for _ in range(batches):
        start = time.process_time()
        for _ in range(checks):
            check()
        best = min(best, (time.process_time() - start) / checks)
    return best * 1e6


def the_check(batches: int) -> None:
    """The rows' "unchanged since the last render?" check, both ways, and what each keeps."""
    rows = make_rows()
    held = marshal.dumps(rows, 4)
    print(f"\nthe check of the 1000 rows per click, CPU us (best of {batches} batches):")
    spent = per_check_us(lambda: marshal.dumps(rows, 4) == held, batches)
    print(f"  marshal.dumps + bytes compare {spent:8.1f}   keeps {len(held):,} bytes "
          f"(a copy of every value)")
    native = tracking_module._native
    if native is None:
        print("  the C extension (liveview.core._tracking) is not built or switched off")
        return
    frozen = native.freeze(rows)
    assert frozen is not None and native.unchanged(rows, frozen)
    spent = per_check_us(lambda: native.unchanged(rows, frozen), batches)
    print(f"  _tracking.unchanged()          {spent:8.1f}   keeps {sys.getsizeof(frozen):,} bytes "
          f"(+ references to the rows' own values)")
    spent = per_check_us(lambda: native.freeze(rows), batches)
    print(f"  _tracking.freeze() (a change)  {spent:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--clicks", type=int, default=40, help="clicks per batch")
    parser.add_argument("--marshal", action="store_true",
                        help="switch the C extension off: the tracker's marshal path")
    args = parser.parse_args()
    if args.marshal:
        tracking_module._native = None  # type: ignore[assignment]
    native = tracking_module._native is not None
    print(f"change tracking's check: {'C extension' if native else 'marshal'}")
    load_before = os.getloadavg()[0]
    results: dict[tuple[str, bool], list[float]] = {}
    for name in [*SCENARIOS, *COMPONENT_CASES]:
        check(name)
        views = {tracking: make_view(name, tracking) for tracking in (False, True)}
        clicks = args.clicks if name == "counter" else max(5, args.clicks // 4)
        for view in views.values():
            per_click_ms(view, clicks)  # warm up
        for _ in range(args.batches):
            for tracking, view in views.items():
                # Bare counter clicks are short: many per batch, so the timer's grain is small.
                results.setdefault((name, tracking), []).append(
                    per_click_ms(view, clicks * (25 if name == "counter" else 1)))
    print(f"render + diff per click, CPU ms (median / best of {args.batches} batches); "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print(f"{'view':<15}{'tracking off':>16}{'tracking on':>16}")
    for name in [*SCENARIOS, *COMPONENT_CASES]:
        cells = []
        for tracking in (False, True):
            times = results[(name, tracking)]
            cells.append(f"{statistics.median(times):.3f} / {min(times):.3f}")
        print(f"{name:<15}{cells[0]:>16}{cells[1]:>16}")
    bare = statistics.median(results[("counter", True)])
    beside = statistics.median(results[("counter+table", True)])
    print(f"\ncounter beside the table, tracked: {beside - bare:+.3f} ms over the bare "
          f"tracked counter (target: at most +0.1 ms)")
    print(f"one-row change, tracked: {statistics.median(results[('one row', True)]):.3f} ms "
          f"(target: at most 6 ms of server CPU, socket included: see socket_load.py "
          f"--page /table-row/)")
    component = statistics.median(results[("component", True)])
    print(f"component holding the counter and the table, tracked: {component:.3f} ms per click "
          f"({statistics.median(results[('component', False)]):.3f} ms untracked)")
    the_check(args.batches)


if __name__ == "__main__":
    main()
