"""Hand-written templates (tests/core/templates/corpus) and the context sequences to render.

Each sequence is what a LiveView would go through: an initial state, then
events that change one row, append, truncate, switch branches, empty a list.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "templates"

#: Settings for Django's own backend reading the corpus (used with override_settings).
TEMPLATES_SETTING = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [TEMPLATE_DIR],
    "APP_DIRS": False,
    "OPTIONS": {
        "debug": True,
        "context_processors": ["django.template.context_processors.request"],
        "libraries": {"lvtags": "tests.core.lvtags"},
    },
}]


def _row(i: int, **changes: Any) -> dict[str, Any]:
    row = {"id": i, "name": f"Item <{i}> & co", "group": "A" if i < 3 else "B",
           "active": i % 2 == 0, "tags": ["x", "y&z"][: i % 3], "price": Decimal(i * 45) / 4}
    row.update(changes)
    return row


def _evolve(base: dict[str, Any], *edits: Any) -> list[dict[str, Any]]:
    """`base`, then `base` after each edit function in turn (each on a deep copy)."""
    states = [base]
    for edit in edits:
        state = copy.deepcopy(states[-1])
        edit(state)
        states.append(state)
    return states


def _set(path: str, value: Any) -> Any:
    def edit(state: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = state
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return edit


TABLE = _evolve(
    {"title": "orders <&> \"q\"", "columns": ["#", "name", "tags", "price"],
     "rows": [_row(i) for i in range(5)], "query": "", "year": 2025},
    _set("rows.2.name", "Renamed <b>"),
    lambda s: s["rows"].extend([_row(5), _row(6, price=None)]),
    _set("rows.0.active", True),
    lambda s: s.update(rows=s["rows"][:2]),
    lambda s: s.update(rows=[], query="<none>"),
    lambda s: s.update(rows=[_row(9, tags=["only"])]),
)

FORM = _evolve(
    {"fields": [
        {"name": "email", "label": "E-mail", "value": None, "required": True, "errors": [],
         "error_class": ""},
        {"name": "bio", "label": "Bio <optional>", "value": "I like \"quotes\" & <tags>",
         "required": False, "errors": [], "error_class": ""},
    ], "saving": False, "submit_label": ""},
    _set("fields.0.errors", ["Enter a valid e-mail.", "Too <short>."]),
    _set("fields.0.error_class", "invalid"),
    lambda s: s.update(saving=True, submit_label="Saving…"),
    lambda s: s["fields"].pop(),
)

REPORT = _evolve(
    {"report": {"name": "Q3 <draft>", "note": "  spaced   out ", "html": "<i>raw & bold</i>",
                "meta": [("audited", True), ("final", None), ("late", False)],
                "secret": "nope"},
     "people": [{"name": "Ann", "team": "red", "score": 7}, {"name": "Bob", "team": "red",
                 "score": 3}, {"name": "Cy <3", "team": "blue", "score": 10}],
     "max_score": 10},
    _set("people.1.score", 9),
    lambda s: s["people"].append({"name": "Dee", "team": "green", "score": 1}),
    _set("report.name", "Q3 final"),
    lambda s: s.update(people=[]),
)

def _task(i: int, **changes: Any) -> dict[str, Any]:
    task = {"id": i, "title": f"Task <{i}>", "done": False, "labels": ["home", "w&rk"][: i % 3]}
    task.update(changes)
    return task


def _reorder(*ids: int) -> Any:
    def edit(state: dict[str, Any]) -> None:
        by_id = {task["id"]: task for task in state["tasks"]}
        state["tasks"] = [by_id[i] if i in by_id else _task(i) for i in ids]
    return edit


# A keyed list ({% live_key %}): new tasks on top, done ones moved down, one deleted.
TASKS = _evolve(
    {"tasks": [_task(i) for i in range(1, 6)]},
    _reorder(6, 1, 2, 3, 4, 5),
    _set("tasks.2.done", True),
    _reorder(6, 1, 3, 4, 5, 2),
    _reorder(6, 3, 4, 5, 2),
    _set("tasks.0.labels", ["w&rk", "home"]),
    lambda s: s.update(tasks=[]),
    _reorder(2, 7),
)

#: template name -> states rendered one after the other.
CORPUS: dict[str, list[dict[str, Any]]] = {
    "corpus/table.html": TABLE,
    "corpus/form.html": FORM,
    "corpus/report.html": REPORT,
    "corpus/tasks.html": TASKS,
}
