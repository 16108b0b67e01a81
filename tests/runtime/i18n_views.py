"""LiveViews showing the active language (routed by i18n_urls.py)."""
from __future__ import annotations

from django.utils import translation

from .views import StringTemplateView


class LanguageView(StringTemplateView):
    """Shows the language its renders see, and a child's; `switch` activates another."""

    source = ("{% load i18n liveview %}{% get_current_language as lang %}"
              "<p id='lang'>{{ lang }}</p><p id='n'>{{ n }}</p>"
              "{% live_render 'tests.runtime.i18n_views.LanguageKidView' id='kid' %}")

    async def mount(self, socket, session):
        socket.context = {"n": 0}

    async def handle_event(self, event, payload, socket):
        if event == "switch":
            translation.activate(payload["to"])
        socket.context["n"] += 1


class LanguageKidView(StringTemplateView):
    source = ("{% load i18n %}{% get_current_language as lang %}"
              "<p id='kid-lang'>{{ lang }}</p>")
