"""Instrumentation: the signals of liveview.signals and the DEBUG lines of liveview.telemetry,
over the test client (the real consumer) and over a real websocket (uvicorn, in this process).
"""
from __future__ import annotations

import asyncio
import json
import logging

import pytest
import uvicorn

from demo_project.asgi import application
from liveview import signals, telemetry
from liveview.testing import LiveViewTestClient, ViewCrashed
from tests.integration.liveclient import LiveClient
from tests.runtime.telemetry_views import Card, MeteredView, MountCrashView
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ALL = [signals.view_mounted, signals.params_handled, signals.event_handled,
       signals.component_event_handled, signals.component_updated, signals.info_handled,
       signals.async_handled, signals.view_rendered]
COMMON = {"view_id", "connected", "duration", "exception"}
VIEW = COMMON | {"view", "socket"}
#: The keyword arguments each signal documents (docs/telemetry.md).
DOCUMENTED = {
    signals.view_mounted: VIEW | {"params", "session", "uri"},
    signals.params_handled: VIEW | {"params", "uri"},
    signals.event_handled: VIEW | {"event", "params"},
    signals.component_event_handled: COMMON | {"component", "socket", "cid", "event", "params"},
    signals.component_updated: COMMON | {"components"},
    signals.info_handled: VIEW | {"message"},
    signals.async_handled: VIEW | {"name", "result"},
    signals.view_rendered: VIEW | {"render_duration", "diff_duration", "diff_bytes", "changed"},
}


class Recorder:
    """Connected to every signal: what each sent, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[object, type, dict]] = []
        #: Signals sent with other arguments than documented (a receiver's assert would only
        #: be logged by send_robust: checked when the test ends).
        self.wrong: list[tuple[object, list[str]]] = []

    def __call__(self, signal, sender, **kwargs):
        if set(kwargs) != DOCUMENTED[signal] or not kwargs["duration"] >= 0:
            self.wrong.append((signal, sorted(kwargs)))
        self.sent.append((signal, sender, kwargs))

    def of(self, signal, **match) -> list[dict]:
        return [kw for s, _, kw in self.sent if s is signal
                and all(kw.get(k) == v for k, v in match.items())]

    def one(self, signal, **match) -> dict:
        found = self.of(signal, **match)
        assert len(found) == 1, (signal, match, found)
        return found[0]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.telemetry_views"


@pytest.fixture
def recorder():
    recorder = Recorder()
    for signal in ALL:
        signal.connect(recorder)
    yield recorder
    for signal in ALL:
        signal.disconnect(recorder)
    assert recorder.wrong == []


@pytest.fixture
async def client(urls):
    client = LiveViewTestClient(application)
    yield client
    await client.close()


@pytest.fixture
async def make_client(urls):
    made = []

    def make():
        made.append(LiveViewTestClient(application))
        return made[-1]

    yield make
    for client in made:
        await client.close()


def wire_size(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


async def test_http_render_and_join_report_mount_params_and_render(client, recorder):
    html = await client.get("/m/?q=hi")
    mount = recorder.one(signals.view_mounted, connected=False)
    assert isinstance(mount["view"], MeteredView) and mount["exception"] is None
    assert mount["view_id"] == client.view_id
    assert mount["params"] == {"q": ["hi"]} and mount["uri"] == "http://testserver/m/?q=hi"
    assert recorder.one(signals.params_handled, connected=False)["params"] == {"q": ["hi"]}
    dead = recorder.one(signals.view_rendered, connected=False)
    assert dead["socket"].view_id == client.view_id
    inner = html.split('data-phx-static="', 1)[1].split('">', 1)[1]
    assert inner.startswith("<p id='n'>0</p>")
    # The view's HTML, measured: it is in the page, and its size is the size reported.
    view_html = inner.encode()[:dead["diff_bytes"]].decode()
    assert view_html.endswith('phx-target="1">flip</button></div>')
    assert inner[len(view_html):].startswith(f"</{MeteredView.container_tag}>")
    assert dead["render_duration"] + dead["diff_duration"] <= dead["duration"]
    assert recorder.one(signals.component_updated, connected=False)["components"] == 1
    recorder.clear()

    reply = await client.join()
    mount = recorder.one(signals.view_mounted, connected=True)
    assert mount["view_id"] == client.view_id and mount["session"] is not None
    params = recorder.one(signals.params_handled, connected=True)
    assert params["uri"] == "http://testserver/m/?q=hi" and params["exception"] is None
    render = recorder.one(signals.view_rendered, connected=True)
    assert render["diff_bytes"] == wire_size(reply["response"]["rendered"])
    assert render["changed"] is True
    # The order Phoenix reports them in: mount, handle_params, (components,) render.
    order = [s for s, _, _ in recorder.sent]
    assert order.index(signals.view_mounted) < order.index(signals.params_handled) \
        < order.index(signals.view_rendered)


async def test_an_event_reports_its_handler_and_the_render_with_the_diff_bytes(client, recorder):
    await client.open("/m/")
    recorder.clear()
    reply = await client.click("inc", extra="1")
    event = recorder.one(signals.event_handled)
    assert event["event"] == "inc" and event["params"] == {"value": "", "extra": "1"}
    assert isinstance(event["view"], MeteredView) and event["connected"] is True
    assert event["exception"] is None and event["view_id"] == client.view_id
    render = recorder.one(signals.view_rendered)
    assert render["diff_bytes"] == wire_size(reply["response"]["diff"])
    assert render["changed"] is True
    assert 0 <= render["render_duration"] and 0 <= render["diff_duration"]
    assert render["render_duration"] + render["diff_duration"] <= render["duration"]
    assert [s for s, _, _ in recorder.sent] == [signals.event_handled, signals.view_rendered]

    recorder.clear()
    assert await client.click("nothing") == {"status": "ok", "response": {}}
    assert recorder.one(signals.view_rendered)["changed"] is False


async def test_a_receiver_for_one_view_class_hears_only_that_view(client):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    signals.event_handled.connect(receiver, sender=MountCrashView)
    try:
        await client.open("/m/")
        await client.click("inc")
        assert heard == []
        signals.event_handled.connect(receiver, sender=MeteredView)
        await client.click("inc")
        assert heard == [MeteredView]
    finally:
        signals.event_handled.disconnect(receiver, sender=MountCrashView)
        signals.event_handled.disconnect(receiver, sender=MeteredView)


async def test_live_patch_and_push_patch_report_handle_params(client, recorder):
    await client.open("/m/")
    recorder.clear()
    await client.request(client.topic, "live_patch", {"url": "http://testserver/m/?q=two"})
    assert recorder.one(signals.params_handled)["uri"] == "http://testserver/m/?q=two"
    recorder.clear()
    await client.click("patch", q="three")
    assert recorder.one(signals.params_handled)["params"] == {"q": ["three"]}


async def test_component_events_and_updates_are_reported_with_the_component(client, recorder):
    await client.open("/m/")
    cid = client.cid_of("flip")
    recorder.clear()
    await client.click("flip", cid=cid)
    event = recorder.one(signals.component_event_handled)
    assert isinstance(event["component"], Card) and event["cid"] == cid
    assert event["event"] == "flip" and event["socket"].myself == cid
    assert event["view_id"] == client.view_id and event["exception"] is None
    assert recorder.of(signals.event_handled) == []  # the view's handler did not run
    assert recorder.sent[0][1] is Card

    recorder.clear()
    await client.click("relabel", label="new")
    update = recorder.one(signals.component_updated)
    assert update["components"] == 1 and update["connected"] is True
    assert [sender for s, sender, _ in recorder.sent if s is signals.component_updated] == [Card]


async def test_handle_info_and_handle_async_are_reported(client, recorder):
    await client.open("/m/")
    recorder.clear()
    await client.click("tell")
    await client.wait_for(lambda: "<p id='n'>10</p>" in client.html)
    info = recorder.one(signals.info_handled)
    assert info["message"].name == "add" and info["message"].payload == 10
    await client.click("job")
    await client.wait_for(lambda: "<p id='n'>110</p>" in client.html)
    done = recorder.one(signals.async_handled)
    assert done["name"] == "job" and done["result"].result == 100
    assert isinstance(done["view"], MeteredView) and done["view_id"] == client.view_id


async def test_exceptions_are_reported_then_the_view_crashes_as_usual(make_client, recorder,
                                                                     caplog):
    client = make_client()
    await client.open("/m/")
    recorder.clear()
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.click("boom")
    event = recorder.one(signals.event_handled)
    assert isinstance(event["exception"], RuntimeError)
    assert str(event["exception"]) == "handler exploded" and event["duration"] >= 0
    assert recorder.of(signals.view_rendered) == []  # it crashed before rendering

    client = make_client()
    await client.open("/m/")
    recorder.clear()
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.click("boom", cid=client.cid_of("flip"))
    failed = recorder.one(signals.component_event_handled)
    assert str(failed["exception"]) == "card exploded"

    client = make_client()
    await client.open("/m/")
    recorder.clear()
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.request(client.topic, "live_patch", {"url": "http://testserver/m/?q=boom"})
    assert str(recorder.one(signals.params_handled)["exception"]) == "params exploded"


async def test_a_handler_past_the_timeout_is_reported_cancelled(client, recorder, settings,
                                                               caplog):
    settings.LIVEVIEW = {**settings.LIVEVIEW, "HANDLER_TIMEOUT": 0.2}
    await client.open("/m/")
    recorder.clear()
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.click("stall")
    stalled = recorder.one(signals.event_handled)
    assert isinstance(stalled["exception"], asyncio.CancelledError)
    assert stalled["duration"] > 0


async def test_a_mount_that_raises_is_reported_and_the_join_crashes(client, recorder, caplog):
    await client.get("/m/crash/")
    recorder.clear()
    with caplog.at_level(logging.CRITICAL, logger="liveview"):
        reply = await client.join()
    assert reply == {"status": "error", "response": {"reason": "join crashed"}}
    mount = recorder.one(signals.view_mounted)
    assert str(mount["exception"]) == "mount exploded" and mount["connected"] is True
    assert recorder.of(signals.params_handled) == []


async def test_a_failing_receiver_is_logged_and_the_view_goes_on(client, caplog):
    def broken(**kwargs):
        raise ValueError("receiver bug")

    signals.event_handled.connect(broken)
    try:
        await client.open("/m/")
        with caplog.at_level(logging.ERROR, logger="django.dispatch"):
            await client.click("inc")
        assert "<p id='n'>1</p>" in client.html
        assert any("receiver bug" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    finally:
        signals.event_handled.disconnect(broken)


def test_async_receivers_are_refused_at_connect():
    async def receiver(**kwargs):
        pass

    with pytest.raises(TypeError, match="plain"):
        signals.event_handled.connect(receiver)
    assert not signals.event_handled.has_listeners(MeteredView)


# Logging -------------------------------------------------------------------------------------
class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def telemetry_log():
    """The liveview.telemetry logger at DEBUG, its lines collected (restored after)."""
    log = logging.getLogger("liveview.telemetry")
    handler = Lines()
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    yield handler.lines
    log.removeHandler(handler)
    log.setLevel(level)


async def test_debug_lines_one_per_stage(client, telemetry_log, caplog):
    path = "tests.runtime.telemetry_views.MeteredView"
    await client.get("/m/")
    vid = client.view_id
    assert telemetry_log[0].startswith(f"mount {path} {vid} (http) ")
    assert telemetry_log[0].endswith(" ms")
    assert any(line.startswith(f"render {path} {vid} (http) ") for line in telemetry_log)
    await client.join()
    telemetry_log.clear()
    await client.click("inc")
    assert len(telemetry_log) == 2, telemetry_log
    event, render = telemetry_log
    assert event.startswith(f"handle_event {path} {vid} 'inc' ") and event.endswith(" ms")
    assert render.startswith(f"render {path} {vid} ")
    assert render.endswith(", 9 bytes)")  # {"0":"1"}
    assert "(render " in render and ", diff " in render

    telemetry_log.clear()
    await client.click("flip", cid=client.cid_of("flip"))
    assert telemetry_log[0].startswith(
        f"component.handle_event tests.runtime.telemetry_views.Card {vid} cid=1 'flip' ")

    telemetry_log.clear()
    with caplog.at_level(logging.CRITICAL, logger="liveview"), pytest.raises(ViewCrashed):
        await client.click("boom")
    assert telemetry_log[0].startswith(f"handle_event {path} {vid} 'boom' raised RuntimeError "
                                       f"after ")


async def test_no_lines_and_no_clock_reads_when_nobody_listens(client, telemetry_log,
                                                                 monkeypatch):
    """The gate: without receivers and with the logger off, no span reads the clock."""
    reads = []

    def counting_clock() -> float:
        reads.append(1)
        return 0.0

    def receiver(**kwargs):
        pass

    monkeypatch.setattr(telemetry, "clock", counting_clock)
    logging.getLogger("liveview.telemetry").setLevel(logging.INFO)
    # Listening to another view class is not listening to this one.
    signals.view_rendered.connect(receiver, sender=MountCrashView)
    try:
        await client.open("/m/")
        await client.click("inc")
        await client.click("flip", cid=client.cid_of("flip"))
    finally:
        signals.view_rendered.disconnect(receiver, sender=MountCrashView)
    assert telemetry_log == [] and reads == []
    assert "<p id='n'>1</p>" in client.html

    # The same work with one receiver (for another signal than most) reads it again.
    signals.view_rendered.connect(receiver)
    try:
        await client.click("inc")
        assert len(reads) == 4  # one render span: start, render end, diff end, stop
    finally:
        signals.view_rendered.disconnect(receiver)
    # And a disabled logger is as good as one below DEBUG.
    logging.getLogger("liveview.telemetry").setLevel(logging.DEBUG)
    logging.getLogger("liveview.telemetry").disabled = True
    try:
        await client.click("inc")
    finally:
        logging.getLogger("liveview.telemetry").disabled = False
    assert telemetry_log == [] and len(reads) == 4


async def test_the_quiet_gate_hears_a_level_change_at_the_next_click(client, telemetry_log):
    """`telemetry.quiet` (clicks skip their spans) reads logging's memo of isEnabledFor: a
    level set after quiet clicks, here on a parent logger, is heard at the very next click."""
    log, parent = logging.getLogger("liveview.telemetry"), logging.getLogger("liveview")
    parent_level = parent.level
    log.setLevel(logging.NOTSET)  # its parent's level decides
    parent.setLevel(logging.INFO)
    try:
        await client.open("/m/")
        await client.click("inc")
        assert telemetry_log == []
        assert telemetry.quiet(signals.event_handled) and telemetry.quiet(signals.view_rendered)
        parent.setLevel(logging.DEBUG)
        await client.click("inc")
    finally:
        parent.setLevel(parent_level)
    assert [line.split()[0] for line in telemetry_log] == ["handle_event", "render"]


# A real websocket --------------------------------------------------------------------------
@pytest.fixture
async def server_port(urls):
    """uvicorn serving the project in this process, so receivers here hear its views."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port,
                                           lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield port
    server.should_exit = True
    await task


async def test_over_a_real_websocket(server_port, recorder):
    client = await LiveClient.open(server_port, "/m/?q=ws")
    try:
        assert recorder.one(signals.view_mounted, connected=False)["uri"] == \
            f"http://127.0.0.1:{server_port}/m/?q=ws"
        joined = recorder.one(signals.view_mounted, connected=True)
        assert joined["view_id"] == client.topic[3:] and joined["exception"] is None
        assert recorder.one(signals.params_handled, connected=True)["params"] == {"q": ["ws"]}
        recorder.clear()
        reply = await client.push("inc", {"value": ""})
        event = recorder.one(signals.event_handled)
        assert event["event"] == "inc" and event["view_id"] == client.topic[3:]
        render = recorder.one(signals.view_rendered)
        assert render["diff_bytes"] == wire_size(reply["response"]["diff"]) == 9
        assert "<p id='n'>1</p>" in client.html
    finally:
        await client.close()
