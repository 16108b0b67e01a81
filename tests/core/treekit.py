"""Helpers for the core tests: locmem engines, Django's reference render, wire checks."""
from __future__ import annotations

import json
import re
from typing import Any

from django.middleware.csrf import _unmask_cipher_token
from django.template import Context, Engine, RequestContext

from tests.core import lvtags

BADGE = '<span class="badge">{{ label }}</span>'


def make_engine(templates: dict[str, str], cached: bool = False, **options: Any) -> Engine:
    """An Engine reading `templates` from memory, with the lvtags library built in.

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
        assert isinstance(keyed.get("kc"), int) and not isinstance(keyed["kc"], bool), keyed
        assert "km" not in keyed, "the compiler never emits moves"
        if full:
            assert set(keyed) == {"kc", *map(str, range(keyed["kc"]))}, sorted(keyed)
        for key, entry in keyed.items():
            if key != "kc":
                assert isinstance(entry, dict), entry
                _check_dynamics(entry, node.get("s"), full)
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
