"""Helpers for the core tests: locmem engines, Django's reference render, wire checks."""
from __future__ import annotations

import json
import re
from typing import Any

from django.middleware.csrf import _unmask_cipher_token
from django.template import Context, Engine, RequestContext

from liveview.templatetags import liveview as liveview_tags
from tests.core import lvtags

BADGE = '<span class="badge">{{ label }}</span>'


def make_engine(templates: dict[str, str], cached: bool = False, **options: Any) -> Engine:
    """An Engine reading `templates` from memory, with the lvtags and liveview libraries built in.

    Uncached by default, so each load parses afresh; `cached` keeps Template
    objects as Django's default (cached) loader does.
    """
    sources = {"lv_badge.html": BADGE, **templates}
    loader: Any = ("django.template.loaders.locmem.Loader", sources)
    if cached:
        loader = ("django.template.loaders.cached.Loader", [loader])
    engine = Engine(loaders=[loader], **options)
    # Added after construction: Engine(builtins=...) would need an import path.
    engine.template_builtins.append(lvtags.register)
    engine.template_libraries["lvtags"] = lvtags.register
    # Built in as well, so generated templates (which may extend) need no {% load %}.
    engine.template_builtins.append(liveview_tags.register)
    engine.template_libraries["liveview"] = liveview_tags.register
    return engine


def django_render(template: Any, context: dict[str, Any], request: Any = None) -> str:
    """What Django renders: the backend Template's own render, or base Template's."""
    if hasattr(template, "backend"):
        return template.render(dict(context), request)
    autoescape = template.engine.autoescape
    if request is None:
        return template.render(Context(dict(context), autoescape=autoescape))
    ctx = RequestContext(request, autoescape=autoescape)
    ctx.push(dict(context))
    return template.render(ctx)


_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')


def unmask_csrf(html: str) -> str:
    """`html` with each CSRF token replaced by its secret.

    get_token() masks the secret afresh on every call, so two renders of
    {% csrf_token %} differ in Django itself; equal secrets are the same token.
    """
    return _CSRF_INPUT.sub(lambda m: m[1] + _unmask_cipher_token(m[2]) + m[3], html)


def check_wire(value: Any, full: bool = True) -> None:
    """Fail unless `value` is valid on the wire: only str, objects and lists of str.

    With `full`, every node must be complete (statics plus every dynamic, kc and
    every entry of comprehensions), as a full render or a replaced subtree is.
    """
    json.dumps(value)  # must serialise as is
    _check(value, full)


def _check(node: Any, full: bool) -> None:
    assert isinstance(node, dict), f"expected an object, got {node!r}"
    if "s" in node:
        full = True  # a subtree with statics is always sent whole
        statics = node["s"]
        assert isinstance(statics, list) and statics, statics
        assert all(type(s) is str or isinstance(s, str) for s in statics), statics
    if "k" in node:
        keyed = node["k"]
        count = keyed.get("kc")
        assert isinstance(count, int) and not isinstance(count, bool), keyed
        if full:
            assert "km" not in keyed, "a full comprehension has nothing to move"
            assert set(keyed) == {"kc", *map(str, range(count))}, sorted(keyed)
        moves = 0
        for key, entry in keyed.items():
            if key in ("kc", "km"):
                continue
            assert key.isdigit() and int(key) < count, (key, count)
            if isinstance(entry, dict):
                _check_dynamics(entry, node.get("s"), full)
                continue
            # A move: the old index, or [old index, the entry's changed dynamics].
            moves += 1
            old_index, change = entry if isinstance(entry, list) else (entry, {})
            assert type(old_index) is int and old_index >= 0, entry
            assert isinstance(change, dict) and (change or not isinstance(entry, list)), entry
            _check_dynamics(change, node.get("s"), False)
        # The client reads moves only with km, and km without a move would be noise.
        assert keyed.get("km", False) is bool(moves), keyed
        assert set(node) <= {"s", "k"}, sorted(node)
        return
    _check_dynamics(node, node.get("s"), full)


def _check_dynamics(node: dict[str, Any], statics: list[str] | None, full: bool) -> None:
    keys = set(node) - {"s"}
    if full and statics is not None:
        assert keys == set(map(str, range(len(statics) - 1))), (sorted(keys), statics)
    for key in keys:
        assert key.isdigit(), key
        value = node[key]
        if isinstance(value, dict):
            _check(value, full)
        else:
            assert isinstance(value, str), f"dynamic {key} is {value!r}, not a str"
