"""liveview.runtime.render_state: the client's tree and title, kept by the runtime."""
from types import SimpleNamespace

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.template import engines

from liveview import LiveView
from liveview.components import ComponentRegistry, SendUpdateMixin
from liveview.core.components import HOST_KEY
from liveview.core.render import render_tree
from liveview.core.streams import Streams
from liveview.nested import NESTED_KEY, NestedHost
from liveview.rendering import view_context
from liveview.runtime.render_state import RenderState

STREAM = engines["django"].from_string(
    '<ul id="r" phx-update="stream">{% for id, row in streams.rows %}'
    '<li id="{{ id }}">{{ row.name }}</li>{% endfor %}</ul>')


def socket(**extra):
    return SimpleNamespace(live_title=None, pending_events=[], streams=Streams(), **extra)


def test_the_title_goes_out_once_and_events_once():
    state, sock = RenderState(), socket()
    sock.live_title = "A"
    sock.pending_events.append(("hi", {"n": 1}))
    assert state.full({"s": ["x"]}, sock) == {"s": ["x"], "t": "A", "e": [["hi", {"n": 1}]]}
    assert state.tree == {"s": ["x"]}  # title and events never land in the held tree
    assert state.diff({"s": ["x"]}, sock) == {}
    sock.live_title = "B"
    assert state.diff({"s": ["x"]}, sock) == {"t": "B"}


def test_streamed_items_are_sent_once_and_kept_nowhere():
    state, sock = RenderState(), socket()
    stream = sock.streams.get_or_create("rows")
    stream.insert_many([{"id": n, "name": f"r{n}"} for n in range(1000)])
    full = state.full(render_tree(STREAM, {"streams": sock.streams}), sock)
    assert full["0"]["k"]["kc"] == 1000
    assert not stream.pending and state.tree["0"]["k"] == {"kc": 0}
    for batch in range(20):
        stream.insert_many([{"id": n, "name": "x"} for n in range(batch * 50, batch * 50 + 50)],
                           at=0, limit=150)
        diff = state.diff(render_tree(STREAM, {"streams": sock.streams}), sock)
        assert diff["0"]["k"]["kc"] == 50 and len(diff["0"]["stream"][1]) == 50
        assert state.tree["0"] == {"s": state.tree["0"]["s"], "k": {"kc": 0},
                                   "stream": ["0", [], []]}
    assert state.diff(render_tree(STREAM, {"streams": sock.streams}), sock) == {}


# The render around the template: its variables, and a render started over -------------------

class Placer:
    """A view whose render places a child LiveView and a component, then (the first
    `failures` times) fails as a lazy queryset does on the event loop."""

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.contexts: list[dict] = []

    def render(self, context):
        self.contexts.append(context)
        context[NESTED_KEY].place("tests.runtime.views.NestedKidView", {"id": "kid"})
        if self.failures:
            self.failures -= 1
            raise SynchronousOnlyOperation("a lazy queryset")
        return {"s": ["", ""], "0": "x"}


def quiet_view() -> Placer:
    """A view whose render places nothing."""
    quiet = Placer(failures=0)
    quiet.render = lambda context: {"s": ["", ""], "0": "x"}
    return quiet


def connected_socket(**context):
    return socket(context=context, flash={}, component_updates=[])


@pytest.mark.django_db
async def test_a_render_started_over_in_the_orm_thread_places_its_children_once():
    state, sock = RenderState(), connected_socket()
    state.children = NestedHost("parent", "parent", "default")
    view = Placer()
    assert await state.render(view, sock) == {"s": ["", ""], "0": "x"}
    assert len(view.contexts) == 2  # (a duplicate id would have raised on the second)
    assert list(state.children.children) == ["kid"] and state.dropped_children == []
    view.failures = 1
    await state.render(view, sock)  # the same child again: kept, nothing dropped
    assert list(state.children.children) == ["kid"] and state.dropped_children == []


def test_the_template_sees_flash_and_streams_under_the_contexts_own_names():
    state, sock = RenderState(), connected_socket(count=1, streams="mine")
    sock.flash = {"info": "saved"}
    view = Placer(failures=0)
    state.children = NestedHost("parent", "parent", "default")
    state.render_now(view, sock)
    context = view.contexts[0]
    assert context["count"] == 1 and context["flash"] == {"info": "saved"}
    assert context["streams"] == "mine"  # the context's own key wins
    assert context[NESTED_KEY] is state.children and context[HOST_KEY] is state.components
    assert sock.context == {"count": 1, "streams": "mine"}  # the user's dict is left alone


def test_a_socket_without_flash_or_streams_renders_its_context_alone():
    plain = SimpleNamespace(context={"count": 2})
    assert view_context(plain) == {"count": 2}
    assert view_context(plain, {"myself": 3}) == {"count": 2, "myself": 3}
    assert view_context(plain) is not plain.context
    streams_only = SimpleNamespace(context={"count": 2}, streams=Streams())
    assert view_context(streams_only, {"count": 3}) == {"streams": {}, "count": 3}


@pytest.mark.django_db
def test_a_view_without_children_may_place_one_later_and_drop_it():
    state, sock = RenderState(), connected_socket()
    host = state.children = NestedHost("parent", "parent", "default")
    quiet = quiet_view()
    state.render_now(quiet, sock)
    assert host.children == {} and state.dropped_children == []
    state.render_now(Placer(failures=0), sock)
    assert list(host.children) == ["kid"] and state.dropped_children == []
    state.render_now(quiet, sock)
    assert host.children == {} and state.dropped_children == ["kid"]
    state.render_now(quiet, sock)
    assert state.dropped_children == []


async def test_a_render_pass_with_a_component_placed_is_not_rendered_in_again():
    # A view without components renders in the same pass click after click (it is as good
    # as new); one in which a component was placed is replaced at the next render, even if
    # nothing took its table in between.
    state, sock = RenderState(), connected_socket()
    quiet = quiet_view()
    state.render_now(quiet, sock)
    first = state.components._pass
    state.render_now(quiet, sock)
    assert state.components._pass is first and not first.touched
    state.components.component("tests.runtime.component_views.Counter", {"id": "c"})
    assert first.touched
    await state.render(quiet, sock)
    assert state.components._pass is not first


class UpdatingSocket(SendUpdateMixin):
    """A view socket with send_update (its queue made on first use)."""

    def __init__(self) -> None:
        self.context, self.flash, self.streams = {}, {}, Streams()


async def test_a_send_update_queued_before_any_component_is_still_applied(caplog):
    state, sock = RenderState(), UpdatingSocket()
    quiet = quiet_view()
    assert isinstance(state.render_now(quiet, sock), dict)  # nothing queued: no coroutine
    sock.send_update(7, label="late")
    assert await state.render(quiet, sock) == {"s": ["", ""], "0": "x"}
    assert sock.component_updates == [] and "no such component" in caplog.text


# A view whose template always renders bare ----------------------------------------------------

COUNTER = engines["django"].from_string(
    "<p>{{ count }}</p>{% if flash.info %}<i>{{ flash.info }}</i>{% endif %}")


class TemplateView(LiveView):
    """A LiveView rendering `template` (set on the instance: no template directory needed)."""

    def __init__(self, template) -> None:
        self._template = template


class OwnRender(TemplateView):
    def render(self, context):
        return super().render(context)


def counting_registry(state, monkeypatch) -> list[int]:
    """The number of renders that went through the component registry, in a list."""
    calls = [0]
    render_now = ComponentRegistry.render_now

    def counted(registry, *args, **kwargs):
        calls[0] += registry is state.components
        return render_now(registry, *args, **kwargs)

    monkeypatch.setattr(ComponentRegistry, "render_now", counted)
    return calls


def joined(view=None, sock=None):
    state = RenderState()
    if sock is None:
        sock = UpdatingSocket()
        sock.context["count"] = 0
    state.children = NestedHost("parent", "parent", "default")
    return state, sock, view or TemplateView(COUNTER)


def test_a_view_whose_template_always_renders_bare_renders_it_alone_after_the_first(
        monkeypatch):
    state, sock, view = joined()
    registry = counting_registry(state, monkeypatch)
    for count in range(4):
        sock.context["count"] = count
        sock.flash = {"info": "saved"} if count == 2 else {}
        tree = state.render_now(view, sock)
        assert tree == render_tree(COUNTER, view_context(sock))
    assert registry == [1]  # the first render only: the template was not loaded before


def test_a_socket_without_send_update_keeps_the_registry(monkeypatch):
    state, sock, view = joined(sock=connected_socket(count=1))
    registry = counting_registry(state, monkeypatch)
    for _ in range(3):
        assert state.render_now(view, sock) == render_tree(COUNTER, view_context(sock))
    assert registry == [3]


@pytest.mark.parametrize("view", [
    OwnRender(COUNTER),
    TemplateView(engines["django"].from_string("{% for i in items %}{{ i }}{% endfor %}")),
    TemplateView(engines["django"].from_string("{% cycle 'a' 'b' %}{{ count }}")),
    TemplateView(engines["django"].from_string("{{ a }}{{ b }}{{ c }}{{ d }}{{ e }}{{ f }}"
                                               "{{ g }}{{ h }}{{ i }}")),  # past SMALL_TEMPLATE
], ids=["own render", "loop", "render context", "large"])
def test_any_other_view_keeps_the_registry(view, monkeypatch):
    state, sock, view = joined(view)
    registry = counting_registry(state, monkeypatch)
    sock.context["items"] = [1, 2]
    for _ in range(3):
        state.render_now(view, sock)
    assert registry == [3]


async def test_a_bare_view_with_updates_queued_renders_through_the_registry(caplog):
    state, sock, view = joined()
    state.render_now(view, sock)
    sock.send_update(7, label="late")
    assert await state.render(view, sock) == render_tree(COUNTER, view_context(sock))
    assert sock.component_updates == [] and "no such component" in caplog.text


class LazyOnce:
    """A value that cannot be rendered on the event loop the first time (a lazy queryset)."""

    def __init__(self) -> None:
        self.renders = 0

    def __str__(self) -> str:
        self.renders += 1
        if self.renders == 1:
            raise SynchronousOnlyOperation("a lazy queryset")
        return "rows"


@pytest.mark.django_db
async def test_a_bare_render_that_must_go_to_the_orm_thread_goes_there():
    state, sock, view = joined()
    state.render_now(view, sock)
    sock.context["count"] = LazyOnce()
    tree = await state.render(view, sock)
    assert tree["0"] == "rows" and sock.context["count"].renders == 2
