"""Async work and lifecycle hooks: a dashboard whose slow parts load while the page stays live,
and an account page guarded by an on_mount hook."""
from __future__ import annotations

import asyncio
import time
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.urls import reverse

from liveview import HALT, AsyncResult, ConnectedLiveViewSocket, LiveView, LiveViewSocket

from .models import Member

#: How long the dashboard's slow parts take (a slow query, a slow remote API).
SLOW_QUERY_SECONDS = 2.0
SLOW_CALL_SECONDS = 3.0


def count_people_slowly() -> dict[str, Any]:
    """A slow database query. Sync: assign_async runs it in a worker thread, with its own
    database connection, so it holds up neither the page nor other views."""
    time.sleep(SLOW_QUERY_SECONDS)  # stands in for a heavy aggregate
    return {"people": {"members": Member.objects.count(),
                       "accounts": get_user_model().objects.count()}}


async def fetch_forecast() -> dict[str, Any]:
    """A slow HTTP call to a weather API (simulated: the demo makes no network calls)."""
    await asyncio.sleep(SLOW_CALL_SECONDS)
    return {"forecast": {"city": "Lyon", "sky": "sunny", "high": 24}}


async def fetch_forecast_from_a_broken_api() -> dict[str, Any]:
    await asyncio.sleep(0.5)
    raise ConnectionError("the weather service answered 503")


class DashboardContext(TypedDict):
    count: int
    people: AsyncResult
    forecast: AsyncResult
    report: str


class AsyncDashboardLiveView(LiveView[DashboardContext]):
    """Two slow sources load beside the page: the counter answers clicks meanwhile."""

    template_name = "demos/async.html"

    async def mount(self, socket: LiveViewSocket[DashboardContext], session: Any) -> None:
        socket.context = {"count": 0, "people": AsyncResult(), "forecast": AsyncResult(),
                          "report": ""}
        socket.live_title = "Async dashboard"
        # On the HTTP render the keys only show `loading`; the work starts once connected.
        socket.assign_async("people", count_people_slowly)
        socket.assign_async("forecast", fetch_forecast)

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[DashboardContext]) -> None:
        if event == "increment":
            socket.context["count"] += 1
        elif event == "reload":
            socket.assign_async("forecast", fetch_forecast)  # the old forecast stays meanwhile
        elif event == "break":
            socket.assign_async("forecast", fetch_forecast_from_a_broken_api)
        elif event == "report":
            socket.context["report"] = "running"
            socket.start_async("report", self.build_report)
        elif event == "cancel-report":
            socket.cancel_async("report")

    async def build_report(self) -> str:
        await asyncio.sleep(SLOW_CALL_SECONDS)
        return f"{await Member.objects.acount()} members in the report"

    async def handle_async(self, name: str, result: AsyncResult,
                           socket: ConnectedLiveViewSocket[DashboardContext]) -> None:
        if name == "report":
            socket.context["report"] = result.result if result.ok else f"stopped ({result.failed})"


# on_mount ---------------------------------------------------------------------------------------
async def require_login(params: dict[str, list[Any]], session: Any,
                        socket: LiveViewSocket[Any]) -> Any:
    """An on_mount hook: anonymous users go to the login page, on the HTTP render (a redirect
    response) and on a websocket join (the join is refused with a redirect)."""
    if getattr(socket.user, "is_authenticated", False):
        return None
    await socket.redirect(f"{reverse('login')}?next={reverse('account')}")
    return HALT


class AccountContext(TypedDict):
    username: str


class AccountLiveView(LiveView[AccountContext]):
    """A page for logged-in users, guarded by an on_mount hook rather than a mixin."""

    template_name = "demos/account.html"
    on_mount = [require_login]

    async def mount(self, socket: LiveViewSocket[AccountContext], session: Any) -> None:
        socket.context = {"username": socket.user.get_username()}
        socket.live_title = "Account"
