"""LiveViews for the navigation and flash tests (routed by `urlpatterns` below)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.urls import include, path

from liveview import InfoEvent, is_connected
from tests.runtime.views import StringTemplateView as SourceView

FLASH_MARKUP = ("{% for kind, text in flash.items %}<p class='flash-{{ kind }}'>{{ text }}</p>"
                "{% endfor %}")


class PagerView(SourceView):
    """`?page=` drives handle_params; events patch, navigate, redirect, flash and push."""

    source = FLASH_MARKUP + "<p id='page'>{{ page }}</p>"

    async def mount(self, socket, session):
        socket.context = {"page": 1}

    async def handle_params(self, url, params, socket):
        page = int(params.get("page", ["1"])[0])
        if page < 1 and is_connected(socket):
            # No such page: correct the URL (a push_patch during mount/params); -1 replaces.
            await socket.push_patch(url.path, {"page": 1}, replace=page < 0)
            return
        socket.context["page"] = page
        socket.live_title = f"Page {page}"
        if is_connected(socket) and "push" in params:
            await socket.push_event("arrived", {"page": page})

    async def handle_event(self, event, payload, socket):
        if "flash" in payload:
            socket.put_flash(payload.get("kind", "info"), payload["flash"])
        if event == "patch":
            await socket.push_patch("/n/pager/", {"page": payload["page"]})
        elif event == "navigate":
            await socket.push_navigate(payload["to"])
        elif event == "replace":
            await socket.replace_navigate(payload["to"])
        elif event == "redirect":
            await socket.redirect(payload["to"])
        elif event == "clear":
            socket.clear_flash(payload.get("kind"))
        elif event == "push":
            await socket.push_event("highlight", {"page": socket.context["page"]})
        elif event == "ping":
            return {"pong": payload.get("n")}
        elif event == "later":  # navigate from handle_info, where no request waits
            socket.schedule_info_once(InfoEvent("go", payload["to"]), 0.01)
        return None

    async def handle_info(self, event, socket):
        socket.put_flash("info", "Sent by handle_info.")
        await socket.push_navigate(event.payload)


class TargetView(SourceView):
    """Where navigations land: shows the flash it started with."""

    source = FLASH_MARKUP + "<p id='target'>target</p>"

    async def mount(self, socket, session):
        socket.context = {}
        socket.live_title = "Target"


class AdminView(TargetView):
    live_session = "admin"


class MountAwayView(SourceView):
    """Once connected, mount puts a flash and navigates away (the join answers live_redirect)."""

    source = "<p>never shown live</p>"

    async def mount(self, socket, session):
        socket.context = {}
        if is_connected(socket):
            socket.put_flash("error", "Moved away in mount.")
            await socket.push_navigate("/n/target/")


class DeadFlashView(SourceView):
    """Puts a flash only during the HTTP render; the join must show it too (static token)."""

    source = FLASH_MARKUP + "<p id='connected'>{{ connected }}</p>"

    async def mount(self, socket, session):
        socket.context = {"connected": is_connected(socket)}
        if not is_connected(socket):
            socket.put_flash("info", "From the HTTP render.")


def add_messages(request):
    """A plain Django view that leaves two messages for the next page."""
    messages.info(request, "Saved.")
    messages.info(request, "Twice.")
    messages.error(request, "But one failed.")
    return HttpResponse("ok")


def show_messages(request):
    """A plain Django page listing its messages as `level:text|...`."""
    return HttpResponse("|".join(f"{m.level_tag}:{m}" for m in messages.get_messages(request)))


urlpatterns = [
    path("n/pager/", PagerView.as_view(), name="pager"),
    path("n/target/", TargetView.as_view(), name="target"),
    path("n/admin/", AdminView.as_view(), name="admin-target"),
    path("n/mount-away/", MountAwayView.as_view()),
    path("n/dead-flash/", DeadFlashView.as_view()),
    path("n/messages/", add_messages),
    path("n/show-messages/", show_messages),
    path("n/plain/", lambda request: HttpResponse("plain")),
    path("", include("demo_project.urls")),
]
