"""The todo demo (/todos/): each row is a live component with inline edit and its own
validation; the view owns the list, the rows own their editing state."""
from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from django import forms

from liveview import InfoEvent, LiveComponent, LiveView, bind_form, is_connected, send_update

from . import payloads

#: Where `liveview.send_update` reaches every open todo page, in any process:
#: liveview.send_update_sync(TOPIC, "demo_project.demos.todos.TodoRow", id=1, note="...")
TOPIC = "todos"


@dataclasses.dataclass(frozen=True)
class Todo:
    """Frozen, so a row's assigns compare cheaply: an unchanged todo is not rendered again."""

    id: int
    title: str
    done: bool = False


class TodoForm(forms.Form):
    title = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if len(title) < 3:
            raise forms.ValidationError("Use at least 3 characters.", code="min_length")
        return title


class TodoRow(LiveComponent):
    """One row: shows its todo, or edits it in place with live validation. Saving tells the
    view (`send_parent`), which owns the list."""

    template_name = "demos/todos/row.html"

    def mount(self, socket):
        socket.context.update(editing=False, form=None, note="")

    def handle_event(self, event: str, payload: Any, socket) -> None:
        todo: Todo = socket.context["todo"]
        if event == "edit":
            socket.context.update(editing=True,
                                  form=bind_form(TodoForm, initial={"title": todo.title},
                                                 auto_id=f"edit-{todo.id}-%s"))
        elif event == "cancel":
            socket.context.update(editing=False, form=None)
        elif event == "validate":
            socket.context["form"] = bind_form(TodoForm, payload, auto_id=f"edit-{todo.id}-%s")
        elif event == "save":
            form = bind_form(TodoForm, payload, auto_id=f"edit-{todo.id}-%s")
            socket.context["form"] = form
            if form.is_valid():
                socket.context.update(editing=False, form=None)
                socket.send_parent("todo_saved", {"id": todo.id,
                                                  "title": form.cleaned_data["title"]})
        elif event == "toggle":
            socket.send_parent("todo_toggled", {"id": todo.id})


class TodosLiveView(LiveView):
    template_name = "demos/todos/index.html"

    async def mount(self, socket, session):
        ids = itertools.count(1)
        socket.context = {
            "todos": [Todo(next(ids), "Write the docs"), Todo(next(ids), "Try components"),
                      Todo(next(ids), "Ship it")],
            "next_id": 4, "hide_done": False, "new_form": bind_form(TodoForm, auto_id="new-%s"),
        }
        socket.live_title = "Todos"
        if is_connected(socket):
            await socket.subscribe(TOPIC)

    async def handle_event(self, event: str, payload: Any, socket) -> None:
        ctx = socket.context
        if event == "add":
            form = bind_form(TodoForm, payload, auto_id="new-%s")
            if form.is_valid():
                ctx["todos"] = [*ctx["todos"], Todo(ctx["next_id"], form.cleaned_data["title"])]
                ctx["next_id"] += 1
                form = bind_form(TodoForm, auto_id="new-%s")
            ctx["new_form"] = form
        elif event == "delete":
            todo_id = payloads.integer(payload, "id")
            ctx["todos"] = [t for t in ctx["todos"] if t.id != todo_id]
        elif event == "hide_done":
            ctx["hide_done"] = not ctx["hide_done"]
        elif event == "announce":
            # Every todo page subscribed to TOPIC, in every process, updates its row 1.
            await send_update(TOPIC, TodoRow, id=1, note="Reviewed by someone")

    async def handle_info(self, event: InfoEvent, socket) -> None:
        ctx = socket.context
        if event.name == "todo_saved":
            ctx["todos"] = [dataclasses.replace(t, title=event.payload["title"])
                            if t.id == event.payload["id"] else t for t in ctx["todos"]]
        elif event.name == "todo_toggled":
            ctx["todos"] = [dataclasses.replace(t, done=not t.done)
                            if t.id == event.payload["id"] else t for t in ctx["todos"]]
