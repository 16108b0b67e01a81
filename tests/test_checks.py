"""Every system check of liveview.checks: the misconfiguration it reports (id, message, hint)
and the correct configuration it leaves alone. Each runs the real check function against
settings changed with pytest-django's `settings` fixture; the ASGI applications it inspects
are real ones built below."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.asgi import get_asgi_application
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.urls import path

from liveview.asgi import liveview_application
from liveview.checks import (check_asgi_application, check_client_bundle,
                             check_decorated_liveviews, check_runserver, check_settings)

django_only = get_asgi_application()


class EchoConsumer(AsyncWebsocketConsumer):
    """A websocket consumer of the project's own, not LiveView's."""


other_websockets_only = ProtocolTypeRouter({
    "http": django_only,
    "websocket": URLRouter([path("echo/", EchoConsumer.as_asgi())]),
})


class HeaderMiddleware:
    """Third-party style ASGI middleware keeping the application it wraps in `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


wrapped_liveview = HeaderMiddleware(liveview_application(django_only))


async def opaque_websocket_app(scope: dict, receive: Any, send: Any) -> None:
    """A websocket application that keeps its routing to itself (a closure)."""


opaque = ProtocolTypeRouter({"http": django_only, "websocket": opaque_websocket_app})


def ids(problems: list[Any]) -> list[str]:
    return [problem.id for problem in problems]


# check_settings: E001, E002, E003, E004, W001 ----------------------------------------------------

def test_the_demo_settings_pass_every_check():
    call_command("check", fail_level="WARNING")


def test_e001_liveview_must_be_a_dict(settings):
    settings.LIVEVIEW = [("LAYOUT", "x.html")]
    [problem] = check_settings()
    assert isinstance(problem, Error) and problem.id == "liveview.E001"
    assert problem.msg == "LIVEVIEW must be a dict, got list"


def test_e002_unknown_key(settings):
    settings.LIVEVIEW = {"HANDLER_TIMOUT": 5}
    [problem] = check_settings()
    assert problem.id == "liveview.E002"
    assert problem.msg == "LIVEVIEW has an unknown key 'HANDLER_TIMOUT'"
    assert "HANDLER_TIMEOUT" in problem.hint


def test_e003_asgi_application_missing(settings):
    del settings.ASGI_APPLICATION
    assert ids(check_settings()) == ["liveview.E003"]


def test_w001_channel_layers_missing(settings):
    del settings.CHANNEL_LAYERS
    [problem] = check_settings()
    assert isinstance(problem, Warning) and problem.id == "liveview.W001"


def test_e004_handler_timeout_as_a_string(settings):
    """The mistake that made every join fail with a TypeError at the first event."""
    settings.LIVEVIEW = {"HANDLER_TIMEOUT": "25"}
    [problem] = check_settings()
    assert isinstance(problem, Error) and problem.id == "liveview.E004"
    assert problem.msg == ("LIVEVIEW['HANDLER_TIMEOUT'] must be a positive number of seconds "
                           "(int or float), got '25' (str)")
    assert problem.hint == "The default is 25.0; remove the key to use it."


@pytest.mark.parametrize("key, value", [
    ("LAYOUT", ""), ("LAYOUT", None), ("TITLE_PREFIX", 1), ("TITLE_SUFFIX", None),
    ("TOKEN_MAX_AGE", "3600"), ("TOKEN_MAX_AGE", 0), ("TOKEN_MAX_AGE", timedelta(0)),
    ("MAX_FRAME_BYTES", 1.5e6), ("MAX_FRAME_BYTES", True), ("HANDLER_TIMEOUT", -1),
    ("HANDLER_TIMEOUT", None), ("SOCKET_PATH", "live"), ("SOCKET_PATH", "/"),
    ("UPLOAD_STORAGE", ""), ("UPLOAD_TEMP_DIR", 3), ("UPLOAD_CHUNK_SIZE", "64000"),
    ("SHUTDOWN_TIMEOUT", -1), ("SHUTDOWN_TIMEOUT", "20"), ("SHUTDOWN_TIMEOUT", None),
    ("MALLOC_MMAP_THRESHOLD", 0), ("MALLOC_MMAP_THRESHOLD", "128k"),
    ("MALLOC_MMAP_THRESHOLD", 64 * 1024 * 1024), ("MALLOC_MMAP_THRESHOLD", True),
])
def test_e004_each_key_has_a_type_and_range(settings, key, value):
    settings.LIVEVIEW = {key: value}
    assert ids(check_settings()) == ["liveview.E004"], (key, value)


@pytest.mark.parametrize("values", [
    {"LAYOUT": "myapp/base.html", "TITLE_PREFIX": "Shop · ", "TITLE_SUFFIX": ""},
    {"TOKEN_MAX_AGE": 3600, "HANDLER_TIMEOUT": 10, "MAX_FRAME_BYTES": 2_000_000},
    {"TOKEN_MAX_AGE": timedelta(days=1), "HANDLER_TIMEOUT": 2.5, "SOCKET_PATH": "/ws/live"},
    {"UPLOAD_STORAGE": "default", "UPLOAD_TEMP_DIR": "/tmp", "UPLOAD_CHUNK_SIZE": 32_000},
    {"UPLOAD_TEMP_DIR": None},
    {"SHUTDOWN_TIMEOUT": 0}, {"SHUTDOWN_TIMEOUT": 12.5},
    {"MALLOC_MMAP_THRESHOLD": None}, {"MALLOC_MMAP_THRESHOLD": 64 * 1024},
])
def test_valid_values_pass(settings, values):
    settings.LIVEVIEW = values
    assert check_settings() == []


def test_e004_upload_storage_must_be_a_configured_alias(settings):
    settings.LIVEVIEW = {"UPLOAD_STORAGE": "s3"}
    [problem] = check_settings()
    assert problem.id == "liveview.E004"
    assert "'s3', which is not a key of settings.STORAGES" in problem.msg
    assert "default" in problem.hint


def test_e004_upload_chunks_must_fit_in_a_frame(settings):
    settings.LIVEVIEW = {"UPLOAD_CHUNK_SIZE": 64_000, "MAX_FRAME_BYTES": 64_000}
    [problem] = check_settings()
    assert problem.id == "liveview.E004"
    assert "exceeds LIVEVIEW['MAX_FRAME_BYTES'] (64000)" in problem.msg


# check_asgi_application: E005, E006, W005 ---------------------------------------------------

def test_the_liveview_application_passes(settings):
    settings.ASGI_APPLICATION = "demo_project.asgi.application"
    assert check_asgi_application() == []


def test_middleware_around_the_liveview_application_is_looked_into(settings):
    settings.ASGI_APPLICATION = "tests.test_checks.wrapped_liveview"
    assert check_asgi_application() == []


def test_e006_plain_django_asgi_application(settings):
    """startproject's asgi.py, unchanged: pages render, the websocket is refused."""
    settings.ASGI_APPLICATION = "tests.test_checks.django_only"
    [problem] = check_asgi_application()
    assert isinstance(problem, Error) and problem.id == "liveview.E006"
    assert problem.msg == (
        "ASGI_APPLICATION 'tests.test_checks.django_only' is Django's get_asgi_application(), "
        "which serves HTTP only: LiveView pages render but never connect (their websocket "
        "/live/websocket is refused)")
    assert "liveview_application(get_asgi_application())" in problem.hint


def test_e006_websocket_routes_without_liveview(settings):
    settings.ASGI_APPLICATION = "tests.test_checks.other_websockets_only"
    [problem] = check_asgi_application()
    assert problem.id == "liveview.E006"
    assert "routes no websocket to LiveView" in problem.msg


def test_e005_asgi_application_that_cannot_be_imported(settings):
    settings.ASGI_APPLICATION = "tests.no_such_module.application"
    [problem] = check_asgi_application()
    assert isinstance(problem, Error) and problem.id == "liveview.E005"
    assert problem.msg.startswith("ASGI_APPLICATION 'tests.no_such_module.application' could "
                                  "not be imported: ModuleNotFoundError")


def test_w005_websocket_application_it_cannot_look_into(settings):
    settings.ASGI_APPLICATION = "tests.test_checks.opaque"
    [problem] = check_asgi_application()
    assert isinstance(problem, Warning) and problem.id == "liveview.W005"
    assert "websocket_urlpatterns()" in problem.hint


# check_runserver: W004 -----------------------------------------------------------------------

def test_w004_daphne_missing_from_installed_apps(settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "daphne"]
    [problem] = check_runserver()
    assert isinstance(problem, Warning) and problem.id == "liveview.W004"
    assert problem.msg == (
        "`manage.py runserver` is Django's WSGI server (\"daphne\" is not in INSTALLED_APPS): "
        "it serves no websockets, so LiveView pages render but never connect")
    assert 'INSTALLED_APPS = ["daphne", *INSTALLED_APPS]' in problem.hint


def test_w004_daphne_after_staticfiles(settings):
    apps = [app for app in settings.INSTALLED_APPS if app != "daphne"]
    settings.INSTALLED_APPS = apps + ["daphne"]
    [problem] = check_runserver()
    assert problem.id == "liveview.W004"
    assert "comes after 'django.contrib.staticfiles'" in problem.msg
    assert problem.hint.startswith('Move "daphne" to the start of INSTALLED_APPS.')


def test_daphne_first_passes():
    assert check_runserver() == []


# check_client_bundle: W002 ------------------------------------------------------------------

def test_w002_client_bundle_not_found(settings):
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATICFILES_DIRS = []
    [problem] = check_client_bundle()
    assert isinstance(problem, Warning) and problem.id == "liveview.W002"
    assert "npm ci && npm run build" in problem.hint


def test_client_bundle_found():
    assert check_client_bundle() == []


# check_decorated_liveviews: W003 ------------------------------------------------------------

def test_w003_decorated_liveview(settings):
    settings.ROOT_URLCONF = "tests.runtime.decorated_urls"
    assert ids(check_decorated_liveviews()) == ["liveview.W003"]
    settings.ROOT_URLCONF = "demo_project.urls"
    assert check_decorated_liveviews() == []
