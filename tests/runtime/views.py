"""LiveViews exercising the runtime in tests (routed by tests/runtime/urls.py)."""
from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass, field

from django import forms
from django.template import engines

from liveview import LiveView, is_connected
from liveview.core.render import render_tree


class StringTemplateView(LiveView):
    """A LiveView whose template is the `source` string."""

    source = ""

    def render(self, context):
        template = type(self).__dict__.get("_compiled")
        if template is None:
            template = engines["django"].from_string(self.source)
            type(self)._compiled = template
        return render_tree(template, context)


class EchoView(StringTemplateView):
    """Records what its handlers received; `boom` raises, `slow` sleeps."""

    source = "<p id='n'>{{ n }}</p><p>{{ last }}</p><p>{{ user }}|{{ greeting }}</p>"

    async def mount(self, socket, session):
        socket.context = {"n": 0, "last": "", "user": str(socket.user),
                          "greeting": session.get("greeting", "") if session else "",
                          "log": []}
        socket.live_title = "Echo"

    async def handle_params(self, url, params, socket):
        socket.context["params"] = params
        socket.context["path"] = url.path
        if "n" in params:
            socket.context["n"] = int(params["n"][0])

    async def handle_event(self, event, payload, socket):
        socket.context["log"].append(("start", event))
        if event == "boom":
            raise RuntimeError("handler exploded")
        if event == "slow":
            await asyncio.sleep(float(payload.get("seconds", "0.3")))
        if event == "inc":
            socket.context["n"] += 1
        if event == "ping":
            return {"pong": payload.get("n")}
        if event == "title":
            socket.live_title = payload["title"]
        if event == "push":
            await socket.push_event("highlight", {"id": payload.get("id")})
        if event == "patch":
            await socket.push_patch("/t/echo/", {"n": payload["n"]})
        if event == "navigate":
            await socket.push_navigate(payload["to"])
        if event == "redirect":
            await socket.redirect(payload["to"])
        socket.context["last"] = repr(payload)[:200]
        socket.context["log"].append(("end", event))


class OtherView(StringTemplateView):
    source = "<p>other {{ pk }}</p>"

    async def mount(self, socket, session):
        socket.context = {"pk": None}

    async def handle_params(self, url, params, socket):
        socket.context["pk"] = params.get("pk", [None])[0]


class IsolatedView(OtherView):
    live_session = "admin"


class SignupForm(forms.Form):
    name = forms.CharField(max_length=10)
    email = forms.EmailField()
    tags = forms.MultipleChoiceField(choices=[("a", "a"), ("b", "b")], required=False)


class FormView(StringTemplateView):
    source = ("<form id='f' phx-change='validate' phx-submit='save'>{{ form.name.errors }}"
              "{{ form.email.errors }}</form><p id='saved'>{{ saved }}</p>")

    async def mount(self, socket, session):
        socket.context = {"form": SignupForm(), "saved": ""}

    async def handle_event(self, event, payload, socket):
        socket.context["payload"] = payload
        form = SignupForm(payload)
        socket.context["form"] = form
        if event == "save" and form.is_valid():
            socket.context["saved"] = form.cleaned_data["name"]


@dataclass
class Cart:
    items: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


class DataclassView(StringTemplateView):
    source = "<p>{{ count }} items{% for i in items %} {{ i }}{% endfor %}</p>"

    async def mount(self, socket, session):
        socket.context = Cart(["apple"])

    async def handle_event(self, event, payload, socket):
        socket.context.items.append(payload["item"])


class SyncView(StringTemplateView):
    """Sync handlers, touching the ORM (allowed: they run in the ORM's thread)."""

    source = "<p>{{ users }} users, {{ clicks }} clicks</p>"

    def mount(self, socket, session):
        from django.contrib.auth.models import User

        socket.context = {"users": User.objects.count(), "clicks": 0}

    def handle_event(self, event, payload, socket):
        from django.contrib.auth.models import User

        socket.context["clicks"] += 1
        socket.context["users"] = User.objects.count()


class ConnectedOnlyInMountView(StringTemplateView):
    """Misuses a connected-only method during the HTTP render."""

    source = "<p>never</p>"

    async def mount(self, socket, session):
        socket.context = {}
        await socket.subscribe("x")


class GuardedView(StringTemplateView):
    source = "<p>{{ connected }}</p>"

    async def mount(self, socket, session):
        socket.context = {"connected": is_connected(socket)}


class MountRedirectView(StringTemplateView):
    source = "<p>x</p>"

    async def mount(self, socket, session):
        socket.context = {}
        if is_connected(socket):
            await socket.push_navigate("/t/other/7/")


class NestedHostView(StringTemplateView):
    """Renders `children` child LiveViews (ids `kid-<n>`) with `session`; `drop` removes the
    last, `dupe` renders one id twice, `away` navigates."""

    source = ("{% load liveview %}<p id='host'>{{ n }}</p>{% for kid in kids %}"
              "{% live_render 'tests.runtime.views.NestedKidView' id=kid session=session %}"
              "{% endfor %}{% if dupe %}{% live_render 'tests.runtime.views.NestedKidView' "
              "id='kid-0' %}{% endif %}"
              "{% live_render 'tests.runtime.views.NestedKidView' id='stuck' sticky=True %}")

    async def mount(self, socket, session):
        socket.context = {"n": 0, "kids": ["kid-0", "kid-1"], "session": {"who": "host"},
                          "dupe": False}

    async def handle_event(self, event, payload, socket):
        if event == "inc":
            socket.context["n"] += 1
        elif event == "drop":
            socket.context["kids"] = socket.context["kids"][:-1]
        elif event == "dupe":
            socket.context["dupe"] = True
        elif event == "more":
            socket.context["kids"] = [f"kid-{i}" for i in range(int(payload["value"]))]


class NestedKidView(StringTemplateView):
    """A child: its count, what its mount saw in the session; `boom` crashes it, `away`
    push_navigates, `patch` push_patches, `grow` renders a grandchild."""

    source = ("{% load liveview %}<b class='kid'>{{ count }}|{{ who }}|{{ greeting }}</b>"
              "{% if grand %}{% live_render 'tests.runtime.views.NestedKidView' "
              "id=grand %}{% endif %}")

    async def mount(self, socket, session):
        socket.context = {"count": 0, "who": session.get("who", ""),
                          "greeting": session.get("greeting", ""), "grand": ""}

    async def handle_event(self, event, payload, socket):
        if event == "inc":
            socket.context["count"] += 1
        elif event == "boom":
            raise RuntimeError("kid exploded")
        elif event == "away":
            await socket.push_navigate("/t/echo/")
        elif event == "patch":
            await socket.push_patch("/t/echo/", {"n": 3})
        elif event == "grow":
            socket.context["grand"] = "grand-" + socket.view_id


class SlowGoodbyeView(StringTemplateView):
    """`boom` crashes it; its disconnect() takes a while, so frames can arrive while it stops."""

    source = "<p id='n'>{{ n }}</p>"

    async def mount(self, socket, session):
        socket.context = {"n": 0}

    async def handle_event(self, event, payload, socket):
        if event == "boom":
            raise RuntimeError("boom on purpose")
        socket.context["n"] += 1

    async def disconnect(self, socket):
        await asyncio.sleep(0.5)


#: Set by TaskView's mount and handlers: each view's contextvars are its own.
view_var: contextvars.ContextVar[str] = contextvars.ContextVar("view_var", default="unset")
#: What `view_var` was where TaskView's `hang` handler was cancelled.
cancelled_in: list[str] = []


class TaskView(StringTemplateView):
    """What a handler sees of asyncio: its task, its contextvars, a timeout of its own."""

    source = "<p id='seen'>{{ seen }}</p>"

    async def mount(self, socket, session):
        view_var.set("mounted")
        socket.context = {"seen": ""}

    async def handle_event(self, event, payload, socket):
        if event == "read":
            socket.context["seen"] = view_var.get()
        elif event == "write":
            view_var.set(payload["value"])
        elif event == "timeout":  # asyncio.timeout cancels the current task when it expires
            try:
                async with asyncio.timeout(0.05):
                    await asyncio.sleep(5)
            except TimeoutError:
                socket.context["seen"] = "timed out"
        elif event == "hang":
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled_in.append(view_var.get())
                raise
        elif event == "wait-then-read":
            await asyncio.sleep(0.05)
            socket.context["seen"] = view_var.get()


class StaticHandlerView(StringTemplateView):
    """Its handle_event is an `async def` staticmethod (no `self`)."""

    source = "<p id='n'>{{ n }}</p>"

    async def mount(self, socket, session):
        socket.context = {"n": 0}

    @staticmethod
    async def handle_event(event, payload, socket):
        socket.context["n"] += 1


class InstanceHandlerView(StringTemplateView):
    """Its instance gets a handle_event of its own in mount: an async one, then (on `sync`)
    a plain function."""

    source = "<p id='n'>{{ n }}</p>"

    async def mount(self, socket, session):
        socket.context = {"n": 0}

        async def own(event, payload, socket):
            if event == "sync":
                self.handle_event = lambda event, payload, socket: \
                    socket.context.__setitem__("n", -1)
            socket.context["n"] += 10

        self.handle_event = own

    async def handle_event(self, event, payload, socket):
        raise AssertionError("the instance's own handler is the one to call")
