"""Client-side demos: JS commands (/js/), a modal in a portal (/modal/) and a dropdown whose
hook is written in its own template (/dropdown/)."""
from __future__ import annotations

from typing import Any, TypedDict

from django.urls import reverse

from liveview import JS, ConnectedLiveViewSocket, LiveView, LiveViewSocket

from . import payloads


class CommandsContext(TypedDict):
    count: int
    tab: str
    toggle_panel: JS
    show_panel: JS
    hide_panel: JS
    shake_panel: JS
    add_five: JS
    announce: JS
    to_tab_b: JS
    to_counter: JS


class JSCommandsLiveView(LiveView[CommandsContext]):
    """Buttons running JS commands: most never reach the server; `add` and the patch do."""

    template_name = "demos/js_commands.html"

    async def mount(self, socket: LiveViewSocket[CommandsContext], session: Any) -> None:
        socket.context = {
            "count": 0,
            "tab": "a",
            # Built in Python and rendered with {{ }}; the template builds a few more itself.
            "toggle_panel": JS.toggle(to="#panel"),
            "show_panel": JS.show(to="#panel", transition=("fade", "fade-start", "fade-end"),
                                  time=300, display="flex"),
            "hide_panel": JS.hide(to="#panel", transition="fade-out", time=300),
            "shake_panel": JS.transition("shake", to="#panel", time=600),
            "add_five": JS.push("add", value={"by": 5}, loading="#count"),
            "announce": JS.dispatch("demos:announce", to="#panel",
                                    detail={"text": "Hello from JS.dispatch"}),
            "to_tab_b": JS.patch(reverse("js-commands") + "?tab=b"),
            "to_counter": JS.navigate(reverse("counter")),
        }
        socket.live_title = "JS commands"

    async def handle_params(self, url, params, socket: LiveViewSocket[CommandsContext]) -> None:
        socket.context["tab"] = params.get("tab", ["a"])[0]

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[CommandsContext]) -> None:
        if event == "add":
            by = payloads.integer(payload, "by", 1)
            if by is not None and abs(by) <= 100:  # the page offers +1 and +5
                socket.context["count"] += by
        elif event == "flash-panel":  # the server asks the browser to run a command
            await socket.exec_js("#panel", JS.transition("flashing", time=600))


class ModalContext(TypedDict):
    votes: int
    open_modal: JS
    close_modal: JS


class ModalLiveView(LiveView[ModalContext]):
    """A modal declared inside a clipped box and teleported to <body> by {% portal %}.

    Opening and closing are JS commands (no round trip); the votes inside it are server
    state, updated by events from inside and outside the modal."""

    template_name = "demos/modal.html"

    async def mount(self, socket: LiveViewSocket[ModalContext], session: Any) -> None:
        socket.context = {
            "votes": 0,
            # Remember the focused button, show the modal, focus its first field; closing
            # hides it and puts the focus back.
            # display="flex": the backdrop centres the box (JS.show's default is "block").
            "open_modal": JS.push_focus().show(to="#modal", transition="fade-in", time=150,
                                               display="flex").focus_first(to="#modal-box"),
            "close_modal": JS.hide(to="#modal", transition="fade-out", time=150).pop_focus(),
        }
        socket.live_title = "Modal in a portal"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[ModalContext]) -> None:
        if event == "vote":
            socket.context["votes"] += 1
        elif event == "open-from-server":
            # The server runs the open button's own phx-click commands in the browser.
            socket.context["votes"] += 1
            await socket.exec_js("#open-modal", attr="phx-click")


class DropdownContext(TypedDict):
    flavours: list[str]
    flavour: str
    open_menu: JS
    close_menu: JS
    pick: JS


class DropdownLiveView(LiveView[DropdownContext]):
    """A dropdown: JS commands open and close it, the colocated hook `demos.Dropdown` (in
    templates/demos/dropdown.html) adds keyboard navigation, a pick goes to the server."""

    template_name = "demos/dropdown.html"

    async def mount(self, socket: LiveViewSocket[DropdownContext], session: Any) -> None:
        close_menu = JS.hide(to="#flavours-menu").set_attribute(
            "aria-expanded", "false", to="#flavours-button")
        socket.context = {
            "flavours": ["Vanilla", "Chocolate", "Pistachio", "Lemon"],
            "flavour": "",
            "open_menu": JS.show(to="#flavours-menu").set_attribute(
                "aria-expanded", "true", to="#flavours-button"),
            "close_menu": close_menu,
            # phx-value-flavour of the item goes with the push.
            "pick": JS.push("pick") + close_menu.focus(to="#flavours-button"),
        }
        socket.live_title = "Dropdown (colocated hook)"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[DropdownContext]) -> None:
        flavour = payloads.text(payload, "flavour")
        if event == "pick" and flavour in socket.context["flavours"]:
            socket.context["flavour"] = flavour
