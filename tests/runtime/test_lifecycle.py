"""on_mount hooks (HTTP render and join, halting with a redirect) and attach_hook stages."""
from __future__ import annotations

import asyncio
import logging

import pytest
from django.core.checks import run_checks
from django.test import AsyncClient

from demo_project.asgi import application
from liveview.testing import LiveViewTestClient, ViewCrashed

from . import lifecycle_views as views

# Some hooks here are sync: they run through database_sync_to_async, which checks the ORM
# thread's connection (and pytest-django only allows that to tests marked so).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lifecycle_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.lifecycle_urls"
    views.LOG.clear()


@pytest.fixture
async def client():
    client = LiveViewTestClient(application)
    yield client
    await client.close()


def calls(kind: str) -> list:
    return [entry for entry in views.LOG if entry[0] == kind]


async def settle(kind: str) -> None:
    """Let the view handle what it posted to itself (a timer tick, async work) until a `kind`
    entry is logged, then a little longer so that anything wrongly following shows too."""
    for _ in range(100):
        if calls(kind):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.02)


# on_mount ----------------------------------------------------------------------------------------
async def test_on_mount_hooks_run_before_mount_base_first_on_http_and_join(client):
    await client.open("/lc/hooked/?pass=1")
    assert views.LOG == [
        ("on_mount", "base", False), ("on_mount", "child", False), ("mount", False),
        ("on_mount", "base", True), ("on_mount", "child", True), ("mount", True),
    ]
    assert "hooked True" in client.html


async def test_on_mount_halting_on_the_http_render_redirects():
    response = await AsyncClient().get("/lc/hooked/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert ("mount", False) not in views.LOG  # halted before mount


async def test_on_mount_halting_on_the_join_answers_with_the_redirect(client):
    await client.get("/lc/hooked/?only=join")  # the HTTP render lets it through
    reply = await client.join()
    assert reply == {"status": "error",
                     "response": {"redirect": {"to": "/accounts/login/"}}}
    assert calls("mount") == [("mount", False)]


async def test_on_mount_halts_a_live_navigation_into_the_view(client):
    await client.open("/lc/hooked-base/")
    await client.request(client.topic, "phx_leave", {})
    reply = await client.join(url=None, redirect="http://testserver/lc/hooked/")
    assert reply == {"status": "error",
                     "response": {"redirect": {"to": "/accounts/login/"}}}


async def test_live_session_hooks_from_settings_run_first(client, settings):
    settings.LIVEVIEW = {**settings.LIVEVIEW,
                         "ON_MOUNT": {"hooked": ["tests.runtime.lifecycle_views.base_hook"]}}
    await client.open("/lc/session-hooked/")
    assert views.LOG[:3] == [("on_mount", "base", False), ("on_mount", "child", False),
                             ("mount", False)]


async def test_halting_without_a_redirect_is_an_error(client, caplog):
    with pytest.raises(RuntimeError, match="halted BadHaltView without navigating"):
        await AsyncClient().get("/lc/bad-halt/")


def test_system_check_reports_a_bad_on_mount_setting(settings):
    settings.LIVEVIEW = {"ON_MOUNT": {"default": ["no.such.hook"]}}
    errors = [e for e in run_checks() if e.id == "liveview.E004"]
    assert len(errors) == 1 and "no.such.hook" in errors[0].msg
    settings.LIVEVIEW = {"ON_MOUNT": ["x"]}
    assert [e.id for e in run_checks() if e.id == "liveview.E004"] == ["liveview.E004"]


# attach_hook -------------------------------------------------------------------------------------
async def test_event_hooks_run_in_order_before_the_view(client):
    await client.open("/lc/attach/")
    views.LOG.clear()
    await client.click("inc")
    assert views.LOG == [("guard", "inc"), ("second", "inc"), ("view", "inc"),
                         ("after_render", 1)]
    assert "<p id='n'>1</p>" in client.html


async def test_a_halting_event_hook_stops_the_others_and_the_view(client):
    await client.open("/lc/attach/")
    views.LOG.clear()
    reply = await client.click("secret")
    assert views.LOG == [("guard", "secret"), ("after_render", 0)]
    assert "guarded" in client.html and reply["status"] == "ok"


async def test_a_halting_hook_may_answer_a_hook_push_event(client):
    await client.open("/lc/attach/")
    reply = await client.event("ask", {}, type="hook")
    assert reply["response"]["diff"]["r"] == {"answer": 42}
    assert calls("view") == []


async def test_detach_hook_restores_the_view_handling(client):
    await client.open("/lc/attach/")
    await client.click("detach")
    assert calls("detached") == [("detached", True)]
    views.LOG.clear()
    await client.click("secret")
    assert calls("view") == [("view", "secret")] and calls("guard") == []


async def test_hooks_attached_after_the_join_run_from_then_on(client):
    """A view without hooks at its join: those a handler attaches run from that render on."""
    await client.open("/lc/late-hooks/")
    views.LOG.clear()
    await client.click("attach")
    assert views.LOG == [("view", "attach"), ("late render", 0)]
    views.LOG.clear()
    await client.click("inc")
    assert views.LOG == [("late guard", "inc"), ("view", "inc"), ("late render", 1)]


async def test_a_hook_returning_anything_else_crashes_the_view(client, caplog):
    await client.open("/lc/attach/")
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.click("bad")


async def test_handle_params_hooks_run_on_http_and_join_and_may_halt(client):
    await client.open("/lc/attach/?x=go")
    assert calls("params hook") == [("params hook", ["go"])] * 2
    assert calls("handle_params") == [("handle_params", ["go"])] * 2
    views.LOG.clear()
    await client.request(client.topic, "live_patch",
                         {"url": "http://testserver/lc/attach/?x=stop"})
    assert views.LOG[:1] == [("params hook", ["stop"])]
    assert calls("handle_params") == []


async def test_info_hooks_may_swallow_a_message(client):
    await client.open("/lc/attach/")
    views.LOG.clear()
    await client.click("tick", name="swallowed")
    await client.click("tick", name="passed")
    await settle("view info")
    assert calls("info hook") == [("info hook", "swallowed"), ("info hook", "passed")]
    assert calls("view info") == [("view info", "passed")]


async def test_handle_async_hooks_may_halt(client):
    await client.open("/lc/attach/")
    await client.click("job")
    await settle("async hook")
    assert calls("async hook") == [("async hook", "job", "ok")]
    assert calls("view async") == []


async def test_attach_hook_refuses_unknown_stages_and_duplicate_names():
    from liveview import UnconnectedSocket

    socket = UnconnectedSocket(view_id="v")
    with pytest.raises(ValueError, match="unknown stage 'mount'"):
        socket.attach_hook("x", "mount", lambda *a: None)
    socket.attach_hook("x", "handle_event", lambda *a: None)
    with pytest.raises(ValueError, match="already attached"):
        socket.attach_hook("x", "handle_event", lambda *a: None)
    assert socket.detach_hook("x", "handle_event") is True
    assert socket.detach_hook("x", "handle_event") is False


def test_system_check_reports_a_bad_presence_heartbeat(settings):
    settings.LIVEVIEW = {"PRESENCE_HEARTBEAT": 0}
    assert [e.id for e in run_checks() if e.id == "liveview.E004"] == ["liveview.E004"]
    settings.LIVEVIEW = {"PRESENCE_HEARTBEAT": 0.5}
    assert [e.id for e in run_checks() if e.id == "liveview.E004"] == []


async def test_a_navigation_in_mount_on_the_http_render_is_a_redirect_response():
    response = await AsyncClient().get("/lc/redirect-in-mount/")
    assert response.status_code == 302 and response["Location"] == "/lc/hooked-base/"
