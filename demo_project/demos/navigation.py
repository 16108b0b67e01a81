"""Navigation demos: a paginated list (push_patch, patch links), a two-step wizard moving
between two LiveViews (push_navigate, redirect), a chart drawn by a JS hook fed by push_event,
and flash messages on all of them."""
from __future__ import annotations

from typing import Any, TypedDict

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from liveview import ConnectedLiveViewSocket, LiveView, LiveViewSocket, is_connected

from . import payloads

ITEMS = [f"Item {n}" for n in range(1, 48)]
PER_PAGE = 10
LAST_PAGE = (len(ITEMS) + PER_PAGE - 1) // PER_PAGE


class ItemsContext(TypedDict):
    page: int
    last_page: int
    items: list[str]
    next_page: int | None
    prev_page: int | None


class ItemsLiveView(LiveView[ItemsContext]):
    """A paginated list: `?page=` drives handle_params; links patch, buttons push_patch."""

    template_name = "demos/items.html"

    async def mount(self, socket: LiveViewSocket[ItemsContext], session: Any) -> None:
        socket.context = {"page": 1, "last_page": LAST_PAGE, "items": [], "next_page": None,
                          "prev_page": None}

    async def handle_params(self, url, params, socket: LiveViewSocket[ItemsContext]) -> None:
        raw = params.get("page", ["1"])[0]
        try:
            page = int(raw)
        except ValueError:
            page = 0
        if not 1 <= page <= LAST_PAGE:
            socket.put_flash("error", f"There is no page {raw!r}; showing page 1.")
            if is_connected(socket):
                # Correct the address bar too; handle_params runs again with page=1.
                await socket.push_patch(url.path, {"page": 1}, replace=True)
                return
            page = 1
        start = (page - 1) * PER_PAGE
        socket.context.update(
            page=page, items=ITEMS[start:start + PER_PAGE],
            next_page=page + 1 if page < LAST_PAGE else None,
            prev_page=page - 1 if page > 1 else None)
        socket.live_title = f"Items, page {page}"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[ItemsContext]) -> None:
        if event == "first":
            await socket.push_patch(reverse("items"), {"page": 1})
        elif event == "last":
            socket.put_flash("info", "Jumped to the last page.")
            await socket.push_patch(reverse("items"), {"page": LAST_PAGE})


def items_with_message(request: HttpRequest) -> HttpResponseRedirect:
    """A plain Django view: adds a contrib.messages message, then sends the browser on."""
    messages.success(request, "Hello from django.contrib.messages.")
    return HttpResponseRedirect(reverse("items"))


class WizardContext(TypedDict):
    name: str
    error: str


class WizardNameLiveView(LiveView[WizardContext]):
    """Wizard step 1: a name; on submit, push_navigate to step 2 with a flash."""

    template_name = "demos/wizard_name.html"

    async def mount(self, socket: LiveViewSocket[WizardContext], session: Any) -> None:
        socket.context = {"name": "", "error": ""}
        socket.live_title = "Wizard: your name"

    async def handle_params(self, url, params, socket: LiveViewSocket[WizardContext]) -> None:
        socket.context["name"] = params.get("name", [""])[0]

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[WizardContext]) -> None:
        if event == "next":
            name = payloads.text(payload, "name").strip()
            if not name:
                socket.put_flash("error", "Please type a name first.")
                return
            socket.put_flash("info", f"Step 1 saved: {name}.")
            await socket.push_navigate(reverse("wizard-confirm"), {"name": name})


class WizardConfirmLiveView(LiveView[WizardContext]):
    """Wizard step 2: shows step 1's flash; back navigates, finish redirects (full load)."""

    template_name = "demos/wizard_confirm.html"

    async def mount(self, socket: LiveViewSocket[WizardContext], session: Any) -> None:
        socket.context = {"name": "", "error": ""}
        socket.live_title = "Wizard: confirm"

    async def handle_params(self, url, params, socket: LiveViewSocket[WizardContext]) -> None:
        socket.context["name"] = params.get("name", [""])[0]

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[WizardContext]) -> None:
        if event == "finish":
            socket.put_flash("info", f"All done, {socket.context['name']}!")
            await socket.redirect(reverse("wizard"))


class ChartContext(TypedDict):
    points: list[int]


class ChartLiveView(LiveView[ChartContext]):
    """A bar chart drawn in the browser by the `BarChart` hook (static/demos/hooks.js).

    The hook asks for the points with pushEvent (the handler's return value is its reply);
    new points reach it with push_event.
    """

    template_name = "demos/chart.html"

    async def mount(self, socket: LiveViewSocket[ChartContext], session: Any) -> None:
        socket.context = {"points": [3, 5, 2]}
        socket.live_title = "Chart (JS hook)"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[ChartContext]) -> Any:
        points = socket.context["points"]
        if event == "chart-ready":  # from the hook's pushEvent: the reply is the data
            return {"points": points}
        if event == "bar-clicked":
            index = payload.get("index") if isinstance(payload, dict) else None
            if isinstance(index, int) and 0 <= index < len(points):
                socket.put_flash("info", f"Bar {index + 1} is {points[index]} high.")
                return {"value": points[index]}
            return {"error": f"no bar {index!r}"}
        if event == "add":
            points.append(len(points) % 7 + 1)
            await socket.push_event("points", {"points": points})
            socket.put_flash("info", f"Added a point: {len(points)} now.")
        return None

