"""assign_async / start_async / cancel_async: loading then ok or failed, work that ends with
the view, results of gone views dropped, handle_async."""
from __future__ import annotations

import asyncio
import logging

import pytest
from django.test import AsyncClient

from demo_project.asgi import application
from liveview import AsyncCancelled, AsyncResult, UnconnectedSocket
from liveview.asyncwork import AsyncWork
from liveview.testing import LiveViewTestClient, ViewCrashed

from . import lifecycle_views as views


@pytest.fixture(autouse=True)
def lifecycle_urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.lifecycle_urls"
    views.GATES.clear()
    views.LOG.clear()
    views.THREAD_GATES.clear()
    yield
    for gate in views.THREAD_GATES.values():
        gate.set()  # never leave a worker thread blocked


@pytest.fixture
async def client():
    client = LiveViewTestClient(application)
    yield client
    await client.close()


def open_gate(name: str) -> None:
    views.GATES.setdefault(name, asyncio.Event()).set()


async def receive_until(client: LiveViewTestClient, text: str, frames: int = 5) -> None:
    for _ in range(frames):
        if text in client.html:
            return
        await client.receive()
    assert text in client.html, client.html


async def test_http_render_shows_loading_and_starts_no_work():
    html = (await AsyncClient().get("/lc/user/")).content.decode()
    assert "loading user" in html
    assert views.LOG == []  # the loader is not even called


async def test_loading_then_ok_while_the_page_stays_live(client):
    await client.open("/lc/user/")
    assert "loading user" in client.html
    await client.click("inc")  # the view answers events while the work runs
    await client.click("inc")
    assert "<p id='n'>2</p>" in client.html and "loading user" in client.html
    open_gate("user")
    frame = await client.receive()
    assert frame[3] == "diff"  # pushed: no request asked for it
    assert "user Ada" in client.html and "loading user" not in client.html
    assert views.LOG == [("load", "ok")]


async def test_an_exception_in_the_work_is_a_failed_result_logged_once(client, caplog):
    await client.open("/lc/user/?mode=boom")
    with caplog.at_level(logging.WARNING, logger="liveview"):
        open_gate("user")
        await receive_until(client, "failed no such user")
    failures = [r for r in caplog.records if "async" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.WARNING
    assert "LookupError: no such user" in failures[0].getMessage()
    assert not failures[0].exc_info  # brief: one line, no traceback
    assert (await client.click("inc"))["status"] == "ok"  # the view did not crash


async def test_a_result_without_every_key_is_a_failure_naming_the_keys(client):
    await client.open("/lc/user/?mode=bad")
    open_gate("user")
    await receive_until(client, "failed assign_async")
    assert "missing [&#x27;user&#x27;], unexpected [&#x27;usr&#x27;]" in client.html


async def test_a_reload_keeps_the_previous_result_unless_reset(client):
    await client.open("/lc/user/")
    open_gate("user")
    await receive_until(client, "user Ada")
    views.GATES["user"].clear()
    await client.click("reload")
    assert "user Ada" in client.html and "loading user" in client.html
    open_gate("user")
    await client.receive()
    views.GATES["user"].clear()
    await client.click("reload", reset="1")
    assert "user Ada" not in client.html and "loading user" in client.html


async def test_start_async_delivers_ok_and_failed_results_to_handle_async(client):
    await client.open("/lc/user/")
    await client.click("job", label="a")
    open_gate("a")
    await receive_until(client, "done a")
    await client.click("job", label="boom1")
    open_gate("boom1")
    await receive_until(client, "failed: boom1 exploded")
    assert [e for e in views.LOG if e[0] == "handle_async"] == [
        ("handle_async", "job", True, "done a", None),
        ("handle_async", "job", False, None, "ValueError"),
    ]


async def test_starting_the_same_name_again_cancels_the_first(client):
    await client.open("/lc/user/")
    await client.click("job", label="first")
    await client.click("job", label="second")
    open_gate("second")
    await receive_until(client, "done second")
    await asyncio.sleep(0.05)
    assert ("cancelled", "first") in views.LOG
    assert [e for e in views.LOG if e[0] == "handle_async"] == [
        ("handle_async", "job", True, "done second", None)]


async def test_cancel_async_by_name_tells_handle_async(client):
    await client.open("/lc/user/")
    await client.click("job", label="slow")
    await client.click("cancel", what="job")
    await receive_until(client, "failed: cancelled")
    assert ("cancelled", "slow") in views.LOG
    assert ("handle_async", "job", False, None, "AsyncCancelled") in views.LOG
    # Nothing is running any more: a second cancel finds nothing.
    await client.click("cancel", what="job")
    assert views.LOG[-1] == ("cancelled?", False)


async def test_cancel_async_of_assign_keys_marks_them_failed(client):
    await client.open("/lc/user/")
    await client.click("cancel", what="user")
    assert "failed cancelled" in client.html
    await asyncio.sleep(0)
    assert ("cancelled", "user") in views.LOG
    open_gate("user")  # too late: nothing arrives
    await asyncio.sleep(0.1)
    await client.click("inc")
    assert "failed cancelled" in client.html and "user Ada" not in client.html


async def test_leaving_cancels_the_work_and_nothing_is_raised(client, caplog):
    await client.open("/lc/user/")
    await client.click("job", label="never")
    with caplog.at_level(logging.WARNING):
        await client.close()
        await asyncio.sleep(0.05)
    assert ("cancelled", "user") in views.LOG and ("cancelled", "never") in views.LOG
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_crash_cancels_the_work(client, caplog):
    await client.open("/lc/user/")
    await client.click("job", label="orphan")
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.click("crash")
    await asyncio.sleep(0.05)
    assert ("cancelled", "user") in views.LOG and ("cancelled", "orphan") in views.LOG


@pytest.mark.django_db(transaction=True)
async def test_sync_work_runs_in_a_worker_thread_not_the_orm_thread(client, caplog):
    """A sync handler of the view answers while a slow sync loader still runs, and its result,
    arriving after the view is gone, is dropped silently."""
    await client.open("/lc/sync/?mode=sync")
    for _ in range(50):
        if any(e[0] == "load" for e in views.LOG):
            break
        await asyncio.sleep(0.01)
    reply = await client.click("inc")  # would wait 5 s behind the loader in the ORM thread
    assert reply["status"] == "ok" and "<p id='n'>1</p>" in client.html
    load_thread = next(e[2] for e in views.LOG if e[0] == "load")
    event_thread = next(e[1] for e in views.LOG if e[0] == "sync event")
    assert load_thread != event_thread
    with caplog.at_level(logging.WARNING):
        await client.close()  # the view goes; the thread cannot be interrupted
        views.THREAD_GATES["user"].set()
        for _ in range(100):
            if ("loaded", "sync") in views.LOG:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
    assert ("loaded", "sync") in views.LOG
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_dataclass_context_gets_its_field_assigned(client):
    await client.open("/lc/dataclass/")
    open_gate("user")
    await receive_until(client, "user Ada")


# The service alone ------------------------------------------------------------------------
async def test_a_result_posted_for_a_replaced_operation_is_stale():
    posted: list = []
    work = AsyncWork(posted.append)
    gate = asyncio.Event()

    async def first():
        await gate.wait()
        return {"k": 1}

    work.start("assign", ("k",), first)
    await asyncio.sleep(0)
    work.start("assign", ("k",), lambda: {"k": 2})  # sync, in a worker thread
    for _ in range(100):
        if posted:
            break
        await asyncio.sleep(0.01)
    gate.set()
    await asyncio.sleep(0.02)
    assert len(posted) == 1 and posted[0].value == {"k": 2}

    class Socket:
        context: dict = {"k": AsyncResult(loading=True)}

    assert await posted[0].apply(None, Socket()) is True
    assert Socket.context["k"] == AsyncResult(ok=True, result=2)
    assert await posted[0].apply(None, Socket()) is False  # applied once only
    assert len(work) == 0


def test_unconnected_socket_assigns_loading_and_closes_a_coroutine():
    socket = UnconnectedSocket(view_id="v")
    socket.context = {}

    async def load():
        return {"a": 1, "b": 2}

    coroutine = load()
    socket.assign_async(["a", "b"], coroutine)
    assert socket.context == {"a": AsyncResult(loading=True), "b": AsyncResult(loading=True)}
    assert coroutine.cr_frame is None  # closed: no "never awaited" warning
    socket.start_async("x", load)  # nothing happens on the HTTP render
    assert socket.cancel_async("x") is False
    with pytest.raises(TypeError, match="non-empty str"):
        socket.assign_async([], load)


def test_async_result_keeps_ok_across_reload_and_failure():
    loaded = AsyncResult(loading=True).as_ok(1)
    assert (loaded.ok, loaded.loading, loaded.result) == (True, False, 1)
    again = loaded.as_loading()
    assert (again.ok, again.loading, again.result) == (True, True, 1)
    failed = again.as_failed(AsyncCancelled("x"))
    assert (failed.ok, failed.loading, failed.result, str(failed.failed)) == (True, False, 1, "x")
