"""LiveViews exercising async work and lifecycle hooks (routed by lifecycle_urls.py).

Tests steer the work through GATES (asyncio events a loader waits on) and read what happened
in LOG; both are reset by the tests' fixture.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from liveview import HALT, Halt, is_connected

from .views import StringTemplateView

GATES: dict[str, asyncio.Event] = {}
THREAD_GATES: dict[str, threading.Event] = {}
LOG: list[Any] = []

USER_TEMPLATE = """<p id='n'>{{ n }}</p>
{% if user.loading %}<p>loading user</p>{% endif %}
{% if user.ok %}<p>user {{ user.result.name }}</p>{% endif %}
{% if user.failed %}<p>failed {{ user.failed }}</p>{% endif %}
<p id='job'>{{ job }}</p>"""


async def wait_gate(name: str) -> None:
    try:
        await GATES.setdefault(name, asyncio.Event()).wait()
    except asyncio.CancelledError:
        LOG.append(("cancelled", name))
        raise


def make_loader(mode: str) -> Any:
    async def load_user() -> dict[str, Any]:
        LOG.append(("load", mode))
        await wait_gate("user")
        if mode == "boom":
            raise LookupError("no such user")
        if mode == "bad":
            return {"usr": {"name": "typo"}}
        return {"user": {"name": "Ada"}}

    def load_user_sync() -> dict[str, Any]:
        LOG.append(("load", mode, threading.current_thread().name))
        if not THREAD_GATES.setdefault("user", threading.Event()).wait(5):
            raise TimeoutError("gate never opened")
        LOG.append(("loaded", mode))
        return {"user": {"name": "Sync Ada"}}

    return load_user_sync if mode == "sync" else load_user


class AsyncUserView(StringTemplateView):
    """`?mode=ok|boom|bad|sync` picks the loader of the `user` assign."""

    source = USER_TEMPLATE

    async def mount(self, socket, session):
        socket.context = {"n": 0, "job": ""}

    async def handle_params(self, url, params, socket):
        socket.assign_async("user", make_loader(params.get("mode", ["ok"])[0]))

    async def handle_event(self, event, payload, socket):
        if event == "inc":
            socket.context["n"] += 1
        elif event == "job":
            label = payload.get("label", "job")

            async def job() -> str:
                LOG.append(("job start", label))
                await wait_gate(label)
                if label.startswith("boom"):
                    raise ValueError(f"{label} exploded")
                return f"done {label}"

            socket.start_async("job", job)
        elif event == "cancel":
            LOG.append(("cancelled?", socket.cancel_async(payload.get("what", "job"))))
        elif event == "crash":
            raise RuntimeError("handler crashed on purpose")
        elif event == "reload":
            socket.assign_async("user", make_loader("ok"), reset=payload.get("reset") == "1")

    async def handle_async(self, name, result, socket):
        LOG.append(("handle_async", name, result.ok, result.result,
                    type(result.failed).__name__ if result.failed else None))
        socket.context["job"] = result.result if result.ok else f"failed: {result.failed}"


class SyncHandlerAsyncView(AsyncUserView):
    """Sync handle_event (Django's ORM thread) next to a sync loader."""

    def handle_event(self, event, payload, socket):
        LOG.append(("sync event", threading.current_thread().name))
        socket.context["n"] += 1


@dataclass
class DataclassContext:
    title: str = "dc"
    user: Any = None
    extra: list = field(default_factory=list)


class DataclassAsyncView(StringTemplateView):
    source = "<p>{{ title }}</p>{% if user.ok %}<p>user {{ user.result.name }}</p>{% endif %}"

    async def mount(self, socket, session):
        socket.context = DataclassContext()
        socket.assign_async("user", make_loader("ok"))


# on_mount ----------------------------------------------------------------------------------------
def record_hook(tag: str):
    def hook(params, session, socket):
        LOG.append(("on_mount", tag, socket.connected))
    hook.__qualname__ = f"record_hook.{tag}"
    return hook


base_hook = record_hook("base")
child_hook = record_hook("child")


async def require_pass(params, session, socket):
    """Halts unless ?pass=1; on the join only when ?only=join (to test both paths)."""
    if params.get("pass") == ["1"]:
        return None
    if params.get("only") == ["join"] and not is_connected(socket):
        return None
    await socket.redirect("/accounts/login/")
    return HALT


async def halt_without_redirect(params, session, socket):
    return HALT


class HookedBase(StringTemplateView):
    source = "<p>hooked {{ mounted }}</p>"
    on_mount = [base_hook]

    async def mount(self, socket, session):
        LOG.append(("mount", socket.connected))
        socket.context = {"mounted": True}


class HookedChild(HookedBase):
    # Relisting the base's hook (a common way to write it) must not run it twice.
    on_mount = [*HookedBase.on_mount, child_hook, "tests.runtime.lifecycle_views.require_pass"]


class SessionHookedView(HookedBase):
    live_session = "hooked"
    on_mount = [child_hook]


class BadHaltView(HookedBase):
    on_mount = [halt_without_redirect]


# attach_hook -------------------------------------------------------------------------------------
class LateHooksView(StringTemplateView):
    """No hook at the join: a handler attaches them (the next render and click run them)."""

    source = "<p id='n'>{{ n }}</p>"

    async def mount(self, socket, session):
        socket.context = {"n": 0}

    async def handle_event(self, event, payload, socket):
        LOG.append(("view", event))
        if event == "attach":
            socket.attach_hook("late guard", "handle_event",
                               lambda event, payload, socket: LOG.append(("late guard", event)))
            socket.attach_hook("late render", "after_render",
                               lambda socket: LOG.append(("late render", socket.context["n"])))
        elif event == "inc":
            socket.context["n"] += 1


class AttachView(StringTemplateView):
    """Hooks attached in mount by "a reusable app"; events toggle them."""

    source = "<p id='n'>{{ n }}</p><p id='seen'>{{ seen }}</p><p id='renders'>{{ renders }}</p>"

    async def mount(self, socket, session):
        socket.context = {"n": 0, "seen": "", "renders": 0}

        async def guard(event, payload, socket):
            LOG.append(("guard", event))
            if event == "secret":
                socket.context["seen"] = "guarded"
                return HALT
            if event == "ask":
                return Halt({"answer": 42})
            if event == "bad":
                return True  # not a valid hook result
            return None

        def second(event, payload, socket):  # sync hooks run too, after the first
            LOG.append(("second", event))

        def count_render(socket):
            LOG.append(("after_render", socket.context["n"]))

        socket.attach_hook("guard", "handle_event", guard)
        socket.attach_hook("second", "handle_event", second)
        socket.attach_hook("renders", "after_render", count_render)
        socket.attach_hook("params", "handle_params", self.params_hook)
        if is_connected(socket):
            socket.attach_hook("info", "handle_info", self.info_hook)

    async def params_hook(self, url, params, socket):
        LOG.append(("params hook", params.get("x")))
        return HALT if params.get("x") == ["stop"] else None

    async def info_hook(self, event, socket):
        LOG.append(("info hook", event.name))
        if event.name == "swallowed":
            return HALT
        return None

    async def handle_params(self, url, params, socket):
        LOG.append(("handle_params", params.get("x")))

    async def handle_event(self, event, payload, socket):
        LOG.append(("view", event))
        if event == "inc":
            socket.context["n"] += 1
        elif event == "detach":
            LOG.append(("detached", socket.detach_hook("guard", "handle_event")))
        elif event == "tick":
            socket.schedule_info_once(payload.get("name", "tick"), 0)
        elif event == "job":
            socket.start_async("job", asyncio.sleep(0, result="ok"))
            socket.attach_hook("async", "handle_async", self.async_hook)

    async def async_hook(self, name, result, socket):
        LOG.append(("async hook", name, result.result))
        return HALT

    async def handle_info(self, event, socket):
        LOG.append(("view info", event.name))

    async def handle_async(self, name, result, socket):
        LOG.append(("view async", name))



# presence ----------------------------------------------------------------------------------------
class PresenceProbeView(StringTemplateView):
    """Tracks itself on `?topic=` as `?key=` and logs every diff it receives."""

    source = "<p id='here'>{{ here }}</p>"

    async def mount(self, socket, session):
        socket.context = {"here": "", "topic": "", "key": ""}

    async def handle_params(self, url, params, socket):
        topic, key = params.get("topic", ["room"])[0], params.get("key", ["k"])[0]
        socket.context.update(topic=topic, key=key)
        if is_connected(socket) and params.get("watch", ["1"]) == ["1"]:
            await socket.subscribe_presence(topic)
        if is_connected(socket) and params.get("track", ["1"]) == ["1"]:
            await socket.track(topic, key, {"view": socket.view_id[-4:]})
        self.show(socket)

    async def handle_event(self, event, payload, socket):
        if event == "untrack":
            await socket.untrack(socket.context["topic"], payload.get("key"))
        elif event == "retrack":
            await socket.track(socket.context["topic"], socket.context["key"],
                               {"view": "again"})

    async def handle_info(self, event, socket):
        diff = event.payload
        LOG.append(("diff", socket.context["key"], event.name, diff.topic,
                    {k: [m["view"] for m in ms] for k, ms in diff.joins.items()},
                    {k: [m["view"] for m in ms] for k, ms in diff.leaves.items()}))
        self.show(socket)

    def show(self, socket):
        from liveview import presence

        here = presence.list(socket.context["topic"]) if is_connected(socket) else {}
        socket.context["here"] = ",".join(f"{k}x{len(v)}" for k, v in sorted(here.items()))


class RedirectInMountView(StringTemplateView):
    """Redirects from mount, on the HTTP render as on the join."""

    source = "<p>never shown</p>"

    async def mount(self, socket, session):
        socket.context = {}
        await socket.push_navigate("/lc/hooked-base/")
