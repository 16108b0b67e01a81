"""LiveViews showing the active language and time zone (routed by i18n_urls.py), and a
project middleware choosing the time zone as Django's docs suggest (here from a cookie)."""
from __future__ import annotations

import zoneinfo

from asgiref.sync import iscoroutinefunction
from django.utils import timezone, translation
from django.utils.decorators import sync_and_async_middleware

from .views import StringTemplateView


class LanguageView(StringTemplateView):
    """Shows the language and time zone its renders see (and a child's); `switch` activates
    another language."""

    source = ("{% load i18n tz liveview %}{% get_current_language as lang %}"
              "{% get_current_timezone as zone %}"
              "<p id='lang'>{{ lang }}</p><p id='zone'>{{ zone }}</p><p id='n'>{{ n }}</p>"
              "{% live_render 'tests.runtime.i18n_views.LanguageKidView' id='kid' %}")

    async def mount(self, socket, session):
        socket.context = {"n": 0}

    async def handle_event(self, event, payload, socket):
        if event == "switch":
            translation.activate(payload["to"])
        socket.context["n"] += 1


class LanguageKidView(StringTemplateView):
    source = ("{% load i18n tz %}{% get_current_language as lang %}"
              "{% get_current_timezone as zone %}"
              "<p id='kid-lang'>{{ lang }}</p><p id='kid-zone'>{{ zone }}</p>")


def _activate_zone(request):
    name = request.COOKIES.get("tz")
    if name:
        timezone.activate(zoneinfo.ZoneInfo(name))
    else:
        timezone.deactivate()


@sync_and_async_middleware
def time_zone_middleware(get_response):
    """Activates the zone named by the `tz` cookie for the request."""
    if iscoroutinefunction(get_response):
        async def middleware(request):
            _activate_zone(request)
            return await get_response(request)
    else:
        def middleware(request):
            _activate_zone(request)
            return get_response(request)
    return middleware
