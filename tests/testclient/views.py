"""LiveViews the test-client tests act on (routed by `urlpatterns` below)."""
from __future__ import annotations

from django.urls import include, path

from liveview import InfoEvent, UploadConstraints, is_connected
from tests.runtime.views import StringTemplateView

PLAYGROUND = """{% load liveview %}
<p id="count">{{ count }}</p><p id="last">{{ last }}</p>
{% for kind, text in flash.items %}<p class="flash-{{ kind }}">{{ text }}</p>{% endfor %}
<ul id="rows">{% for row in rows %}<li class="row{% if forloop.first %} first{% endif %}">
  <span>{{ row }}</span>
  <button class="remove" phx-click="remove" phx-value-row="{{ row }}" phx-value-Pos="{{ forloop.counter }}">Remove {{ row }}</button>
</li>{% endfor %}</ul>
<button id="inc" phx-click="inc">+</button>
<button id="js-inc" phx-click='[["push",{"event":"inc","value":{"by":"2"}}],["add_class",{"names":["x"]}]]'>js</button>
<button id="other-target" phx-click="inc" phx-target="3">to component 3</button>
<input id="search" name="q" value="{{ q }}" phx-keyup="search" phx-value-extra="x">
<input id="enter-only" name="e" phx-keydown="enter" phx-key="Enter">
<div id="window-keys" phx-window-keydown="wkey"></div>
<input id="focusable" name="f" value="v" phx-focus="focused" phx-blur="blurred">
<div id="hooked" phx-hook="Thing"></div>
<form id="profile" phx-change="validate" phx-submit="save" phx-value-source="form">
  <input type="hidden" name="token" value="t1">
  <input name="user[name]" value="{{ name }}">
  <input name="user[email]" value="">
  <textarea name="bio">
{{ bio }}</textarea>
  <select name="color"><option value="r">Red</option><option value="g" selected>Green</option></select>
  <select name="tags" multiple><option selected>a</option><option>b</option><option selected>c</option></select>
  <input type="checkbox" name="agree" {% if agree %}checked{% endif %}>
  <input type="radio" name="size" value="s" checked><input type="radio" name="size" value="l">
  <input name="off" value="x" disabled>
  <fieldset disabled><input name="inside" value="y"></fieldset>
  <input id="own-change" name="nick" value="n" phx-change="nick">
  <button id="save" name="act" value="go" type="submit">Save</button>
  <button id="plain-button" type="button">Nothing</button>
</form>
<a id="to-page-2" href="/tc/play/?page=2" data-phx-link="patch" data-phx-link-state="push">2</a>
<a id="to-other" href="/tc/other/" data-phx-link="redirect" data-phx-link-state="push">other</a>
<button id="patch" phx-click="patch">patch</button>
<button id="navigate" phx-click="navigate">navigate</button>
<button id="redirect" phx-click="redirect">redirect</button>
<button id="later" phx-click="later">later</button>
<button id="boom" phx-click="boom">boom</button>
<form id="up-form" phx-change="chose" phx-submit="upload-save">{% live_file_input up %}</form>
<ul id="entries">{% for e in up.entries %}<li id="e{{ e.ref }}" data-progress="{{ e.progress }}">{{ e.name }}{% for err in e.errors %}<i class="err">{{ err.code }}</i>{% endfor %}</li>{% endfor %}</ul>
<p id="saved">{{ saved|join:" " }}</p><p id="page">{{ page }}</p>
"""


class PlaygroundView(StringTemplateView):
    """Every kind of event the test client sends; `last` shows the last one handled."""

    source = PLAYGROUND

    async def mount(self, socket, session):
        socket.context = {
            "count": 0, "last": "", "rows": ["a", "b", "c"], "q": "", "name": "Ada",
            "bio": "hi", "agree": False, "saved": [], "page": 1,
            "up": socket.allow_upload("up", UploadConstraints(max_file_size=200_000,
                                                              max_files=2, accept=[".txt"]),
                                      chunk_size=64_000)}

    async def handle_params(self, url, params, socket):
        socket.context["page"] = int(params.get("page", ["1"])[0])

    async def handle_event(self, event, payload, socket):
        socket.context["last"] = event
        if event == "boom":
            raise RuntimeError("boom, as asked")
        if event == "inc":
            socket.context["count"] += int(payload.get("by", 1))
        elif event == "remove":
            socket.context["rows"] = [r for r in socket.context["rows"] if r != payload["row"]]
        elif event == "ping":
            return {"pong": payload.get("n")}
        elif event == "patch":
            await socket.push_patch("/tc/play/", {"page": 3})
        elif event == "navigate":
            socket.put_flash("info", "Navigated.")
            await socket.push_navigate("/tc/other/")
        elif event == "redirect":
            socket.put_flash("info", "Redirected.")
            await socket.redirect("/tc/other/")
        elif event == "later":
            socket.schedule_info_once(InfoEvent("tick"), 0.05)
        elif event == "upload-save":
            def read(upload, entry):
                return f"{upload.name}:{len(upload.file.read())}"
            socket.context["saved"] = await socket.consume_uploaded_entries("up", read)

    async def handle_info(self, event, socket):
        socket.context["count"] += 10


class OtherView(StringTemplateView):
    source = ("{% for kind, text in flash.items %}<p class='flash-{{ kind }}'>{{ text }}</p>"
              "{% endfor %}<p id='other'>other</p>")

    async def mount(self, socket, session):
        socket.context = {}


class TickerView(StringTemplateView):
    """Counts timer ticks once connected."""

    source = "<p id='ticks'>{{ ticks }}</p>"

    async def mount(self, socket, session):
        socket.context = {"ticks": 0}
        if is_connected(socket):
            socket.schedule_info(InfoEvent("tick"), 0.02)

    async def handle_info(self, event, socket):
        socket.context["ticks"] += 1


urlpatterns = [
    path("tc/play/", PlaygroundView.as_view()),
    path("tc/other/", OtherView.as_view()),
    path("tc/ticker/", TickerView.as_view()),
    path("", include("demo_project.urls")),
]
