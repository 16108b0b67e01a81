"""Forms and auth demos: live registration backed by a model, and a members page only
logged-in users see (log in as demo / demo, created by migration demos.0002_demo_user)."""
from __future__ import annotations

from typing import Any, TypedDict

from channels.db import database_sync_to_async
from django.db.models import Q

from liveview import (
    ConnectedLiveViewSocket,
    LiveView,
    LiveViewSocket,
    LoginRequiredMixin,
    abind_form,
    bind_form,
    reset_form,
)

from . import payloads
from .forms import MemberForm
from .models import Member


class RegisterContext(TypedDict):
    form: MemberForm
    member_count: int


class RegisterLiveView(LiveView[RegisterContext]):
    """Sign up: errors appear as you type (only on fields you touched), all of them on submit;
    the username is checked against the database; a flash says welcome."""

    template_name = "demos/register.html"

    async def mount(self, socket: LiveViewSocket[RegisterContext], session: Any) -> None:
        socket.context = {"form": bind_form(MemberForm),
                          "member_count": await Member.objects.acount()}
        socket.live_title = "Register"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[RegisterContext]) -> None:
        # Binds and validates; clean_username queries the database, so validation moves to
        # the ORM's thread by itself.
        form = await abind_form(MemberForm, payload)
        socket.context["form"] = form
        if event == "save" and form.is_valid():
            member = await database_sync_to_async(form.save)()
            socket.put_flash("info", f"Welcome, {member.full_name}! You are member "
                                     f"#{member.pk}.")
            # Empty, with inputs the browser takes as new (untouched): see reset_form.
            socket.context["form"] = reset_form(MemberForm)
            socket.context["member_count"] = await Member.objects.acount()


class MembersContext(TypedDict):
    username: str
    query: str
    members: list[Member]
    total: int
    searches: int
    refreshes: int


async def search_members(query: str) -> list[Member]:
    """Members matching `query`, with the async ORM (no thread of our own)."""
    members = Member.objects.all()
    if query:
        members = members.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    # Evaluated here, so the render has a list and stays on the event loop.
    return [member async for member in members[:50]]


class MembersLiveView(LoginRequiredMixin, LiveView[MembersContext]):
    """Logged-in users only: search as you type (debounced), a throttled refresh button."""

    template_name = "demos/members.html"

    async def mount(self, socket: LiveViewSocket[MembersContext], session: Any) -> None:
        socket.context = {"username": socket.user.get_username(), "query": "",
                          "members": await search_members(""),
                          "total": await Member.objects.acount(), "searches": 0,
                          "refreshes": 0}
        socket.live_title = "Members"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[MembersContext]) -> None:
        context = socket.context
        if event == "search":
            context["query"] = payloads.text(payload, "q").strip()
            context["searches"] += 1
        elif event == "refresh":
            context["refreshes"] += 1
            context["total"] = await Member.objects.acount()
        else:
            return
        context["members"] = await search_members(context["query"])
