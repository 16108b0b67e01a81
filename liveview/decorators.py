"""The access mixins of `liveview.auth` as decorators, for a LiveView class or its as_view()."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Callable, TypeVar

from .auth import (
    REDIRECT_FIELD_NAME,
    LoginRequiredMixin,
    PermissionRequiredMixin,
    UserPassesTestMixin,
)
from .views import LiveView

__all__ = ["login_required", "permission_required", "user_passes_test"]

V = TypeVar("V")


def _protect(target: Any, mixin: type, attrs: dict[str, Any], decorator: str) -> Any:
    if isinstance(target, type) and issubclass(target, LiveView):
        # Same name and module: tokens and logs still name the view the user wrote.
        return type(target.__name__, (mixin, target), {
            **attrs, "__module__": target.__module__, "__qualname__": target.__qualname__,
            "__doc__": target.__doc__})
    view_class = getattr(target, "view_class", None)
    if callable(target) and isinstance(view_class, type) and issubclass(view_class, LiveView):
        protected = _protect(view_class, mixin, attrs, decorator)
        return protected.as_view(**getattr(target, "view_initkwargs", {}))
    raise TypeError(
        f"liveview.{decorator}() protects a LiveView class or the view its as_view() "
        f"returns, got {target!r}; for other views use django.contrib.auth.decorators."
        f"{decorator}")


def login_required(view: V | None = None, *, login_url: str | None = None,
                   redirect_field_name: str | None = REDIRECT_FIELD_NAME) -> Any:
    """`LoginRequiredMixin` as a decorator: on a LiveView class, or `login_required(V.as_view())`
    in urls.py. Unlike Django's own decorator, it also guards the websocket joins."""
    attrs = {"login_url": login_url, "redirect_field_name": redirect_field_name}

    def decorate(target: V) -> V:
        return _protect(target, LoginRequiredMixin, attrs, "login_required")

    return decorate if view is None else decorate(view)


def permission_required(perm: str | Iterable[str], login_url: str | None = None,
                        raise_exception: bool = False) -> Callable[[V], V]:
    """`PermissionRequiredMixin` as a decorator (class or as_view()), like Django's
    `permission_required(perm, login_url=None, raise_exception=False)`."""
    attrs = {"permission_required": perm, "login_url": login_url,
             "raise_exception": raise_exception}

    def decorate(target: V) -> V:
        return _protect(target, PermissionRequiredMixin, attrs, "permission_required")

    return decorate


def user_passes_test(test_func: Callable[[Any], Any], login_url: str | None = None,
                     redirect_field_name: str | None = REDIRECT_FIELD_NAME
                     ) -> Callable[[V], V]:
    """`UserPassesTestMixin` as a decorator: `test_func(user)` (sync or async) must be true."""
    attrs = {"login_url": login_url, "redirect_field_name": redirect_field_name,
             "get_test_func": lambda self: test_func}

    def decorate(target: V) -> V:
        return _protect(target, UserPassesTestMixin, attrs, "user_passes_test")

    return decorate
