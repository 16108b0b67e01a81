"""socket.exec_js over the real protocol: the command travels as the push event "js-exec"
with the diff (the bundle's listener runs it; tests/browser/test_portal_and_hooks.py)."""
import pytest

from liveview import JS, ConnectedOnlyError
from liveview.socket import UnconnectedSocket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "demo_project.urls"


async def test_exec_js_goes_with_the_diff_as_a_js_exec_event(client):
    await client.open("/modal/")
    reply = await client.event("open-from-server", {})
    diff = reply["response"]["diff"]
    assert diff["e"] == [["js-exec", {"to": "#open-modal", "attr": "phx-click"}]]
    await client.open("/js/")
    reply = await client.event("flash-panel", {})
    assert reply["response"]["diff"]["e"] == [
        ["js-exec", {"to": "#panel", "js": '[["transition",{"time":600,"transition":'
                                          '[["flashing"],[],[]]}]]'}]]


async def test_exec_js_arguments_are_checked_and_it_needs_a_connection():
    from liveview.socket import ConnectedLiveViewSocket

    socket = ConnectedLiveViewSocket.__new__(ConnectedLiveViewSocket)
    socket.pending_events = []
    for args, kwargs, message in [
        (("",), {"js": JS.show()}, "exec_js: to must be a CSS selector, got ''"),
        (("#x",), {}, "exec_js: give either js (a JS value) or attr (an attribute name), got "
                      "js=None, attr=None"),
        (("#x", JS.show()), {"attr": "phx-click"}, "exec_js: give either js"),
        (("#x", '[["show",{}]]'), {}, "exec_js: js must be a liveview.JS value"),
        (("#x",), {"attr": ""}, "exec_js: attr must be an attribute name, got ''"),
    ]:
        with pytest.raises(ValueError) as info:
            await socket.exec_js(*args, **kwargs)
        assert str(info.value).startswith(message)
    assert socket.pending_events == []
    with pytest.raises(ConnectedOnlyError):
        await UnconnectedSocket(view_id="v").exec_js("#x", JS.show())
