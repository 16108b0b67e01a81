"""Every event of every demo view, with payloads of the wrong types and missing keys: the demos
validate what they get (ignore it or say so in a flash), never crash (issue 17, item 14).

Event names are read from each page as the browser would find them (phx-* bindings and the
`push` JS commands), so a new demo event is fuzzed without changing this test."""
from __future__ import annotations

import html
import inspect
import json
import logging
import re

import pytest
from django.urls import resolve

from demo_project.asgi import application
from liveview.testing import LiveViewTestClient, ViewCrashed

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PAGES = ["/counter/", "/items/", "/wizard/", "/wizard/confirm/", "/chart/", "/chat/", "/clock/", "/presence/",
              "/feed/", "/board/", "/async/", "/todos/", "/uploads/photos/",
              "/uploads/documents/", "/uploads/streamed/", "/uploads/s3/", "/register/", "/js/",
              "/modal/", "/dropdown/", "/nested/", "/nested/other/"]
BINDING = re.compile(r'phx-(?:click|change|submit|blur|focus|keyup|keydown|window-keyup|'
                     r'window-keydown|click-away|viewport-top|viewport-bottom)="([^"]*)"')
JS_PUSH = re.compile(r'\["push",\{[^\]]*?"event":"([^"]+)"')
WEIRD = [None, 0, -1, 10**30, 1.5, True, "", "x" * 300, "-7", "NaN", [], [1, "a"], {},
         {"nested": {"deep": [None]}}]


def event_names(page_html: str) -> set[tuple[str, int | None]]:
    """(event, cid) of every binding on the page (cid: its phx-target component, if any)."""
    found = set()
    for tag in re.findall(r"<[^>]+>", page_html):
        target = re.search(r'phx-target="(\d+)"', tag)
        cid = int(target.group(1)) if target else None
        for raw in BINDING.findall(tag):
            value = html.unescape(raw)
            if value.startswith("["):
                found.update((name, cid) for name in JS_PUSH.findall(value.replace(" ", "")))
            elif value:
                found.add((value, cid))
    return found


def handled_names(path: str) -> set[str]:
    """The event names the view's module compares `event` with: a forged client sends those
    too, bound on the page or not."""
    module = inspect.getmodule(resolve(path).func.view_class)
    source = inspect.getsource(module)
    names = set(re.findall(r'event == "([^"]+)"', source))
    for group in re.findall(r"event in \(([^)]*)\)", source):
        names.update(re.findall(r'"([^"]+)"', group))
    return names


def input_names(page_html: str) -> set[str]:
    names = set(re.findall(r'\sname="([^"]+)"', page_html))
    names.update(m.replace("-", "_") for m in re.findall(r'phx-value-([\w-]+)=', page_html))
    names.update(re.findall(r'&quot;value&quot;:\{&quot;(\w+)&quot;', page_html))  # JS push
    return names | {"value", "id", "text", "title", "name", "body", "ref", "index"}


def payloads(keys: set[str]):
    """(type, value) pairs: wrong types for every key, missing keys, wrong shapes."""
    yield "click", {}
    yield "click", "not a dict"
    yield "click", [1, 2]
    yield "form", ""
    yield "form", "&".join(f"{k}[]=1&{k}[x]=2" for k in sorted(keys))
    yield "form", "&".join(f"{k}=" for k in sorted(keys))
    yield "form", "&".join(f"{k}=%00%FF{'9' * 40}" for k in sorted(keys))
    for weird in WEIRD:
        yield "click", {k: weird for k in keys}
    yield "keyup", {"key": None, "value": {"a": 1}}
    yield "hook", {"deep": [[[]]], "n": "NaN"}


async def test_demo_events_with_wrong_payloads_never_crash(urls, settings, caplog):
    settings.LIVEVIEW = {**getattr(settings, "LIVEVIEW", {}), "MAX_FRAMES_PER_SECOND": 0}
    crashes: list[str] = []
    fuzzed: set[str] = set()
    sent = 0
    with caplog.at_level(logging.WARNING, logger="liveview"):
        for path in DEMO_PAGES:
            client = LiveViewTestClient(application)
            await client.open(path)
            events = event_names(client.page_html)
            cids = {cid for _, cid in events}  # None: the view itself
            events |= {(name, cid) for name in handled_names(path) for cid in cids | {None}}
            fuzzed.update(f"{path} {event}" for event, _ in events)
            keys = input_names(client.page_html)
            for event, cid in sorted(events, key=str):
                for kind, value in payloads(keys):
                    sent += 1
                    payload = {"type": kind, "event": event, "value": value}
                    if cid is not None:
                        payload["cid"] = cid
                    try:
                        await client.request(client.topic, "event", payload)
                    except ViewCrashed:
                        crashes.append(f"{path} {event} {cid} {kind} {json.dumps(value)[:80]}")
                        await client.join()
            await client.close()
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert not crashes and not errors, "\n".join(crashes + errors)
    assert len(fuzzed) > 45 and sent > 1500, (sent, sorted(fuzzed))


#: Demo LiveViews the fuzz above does not open, and why.
NOT_FUZZED = {"/account/": "needs a signed-in user (its on_mount hook redirects anonymous joins)",
              "/members/": "needs a signed-in user"}


def test_every_demo_liveview_is_fuzzed():
    """A new demo page must join DEMO_PAGES (or say here why not), so the fuzz keeps up."""
    from demo_project.urls import urlpatterns
    from liveview.routing import LIVE_VIEW_MARK

    live_paths = {"/" + str(pattern.pattern) for pattern in urlpatterns
                  if getattr(getattr(pattern, "callback", None), LIVE_VIEW_MARK, None)}
    assert live_paths, "no LiveView routes found in demo_project.urls"
    assert live_paths - set(DEMO_PAGES) - set(NOT_FUZZED) == set()
