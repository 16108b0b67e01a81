"""Who may see a LiveView: Django-style access mixins and decorators.

A view's `has_access(user)` is checked twice, like Phoenix's on_mount hooks:

- on the HTTP render, before mount: an anonymous user is redirected to `settings.LOGIN_URL`
  with `?next=`, anyone else gets 403 (`PermissionDenied`), as Django's mixins do;
- at every websocket join (first join, rejoin after a crash or reconnect, live-redirect join
  into the view): a refusal is the join reply `{"reason": "unauthorized"}`; the client then
  loads the page over HTTP, where the first check decides (login page or 403).

A websocket lives for hours, and the session and user Channels read when it opened go stale:
each join reads them again from the session store, so a logout in another tab (or a password
change) takes effect at the next join.
"""
from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from .callbacks import call_user
from .installed import require_installed

if TYPE_CHECKING:
    from .views import LiveView

__all__ = [
    "AccessMixin", "LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin",
    "login_required", "permission_required", "user_passes_test",
]

REDIRECT_FIELD_NAME = "next"  # django.contrib.auth.REDIRECT_FIELD_NAME

V = TypeVar("V")


class AccessMixin:
    """What the access mixins share: where to send anonymous users, what to tell others.

    Same attributes and methods as `django.contrib.auth.mixins.AccessMixin`, except that the
    checks receive the user (a LiveView has no `self.request` over the websocket).
    """

    login_url: str | None = None
    permission_denied_message: str = ""
    raise_exception: bool = False
    redirect_field_name: str | None = REDIRECT_FIELD_NAME

    def get_login_url(self) -> str:
        """The login page anonymous users are sent to (`login_url` or settings.LOGIN_URL)."""
        login_url = self.login_url or settings.LOGIN_URL
        if not login_url:
            name = type(self).__name__
            raise ImproperlyConfigured(
                f"{name} is missing the login_url attribute. Define {name}.login_url, "
                f"settings.LOGIN_URL, or override {name}.get_login_url().")
        return str(login_url)

    def get_permission_denied_message(self) -> str:
        """The message of the PermissionDenied raised for a logged-in user without access."""
        return self.permission_denied_message

    def get_redirect_field_name(self) -> str | None:
        """The query parameter carrying the page to come back to after login."""
        return self.redirect_field_name

    async def has_access(self, user: Any) -> bool:
        """Whether `user` may see the view; the mixins below chain through this."""
        parent = getattr(super(), "has_access", None)
        return True if parent is None else await call_user(parent, user)

    def handle_no_permission(self, request: HttpRequest, user: Any) -> HttpResponse:
        """The HTTP answer to a refused user: login redirect if anonymous, else 403."""
        if self.raise_exception or getattr(user, "is_authenticated", False):
            raise PermissionDenied(self.get_permission_denied_message())
        return login_redirect(request, self.get_login_url(), self.get_redirect_field_name())


class LoginRequiredMixin(AccessMixin):
    """Only logged-in users see this LiveView; others go to the login page."""

    async def has_access(self, user: Any) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        return await super().has_access(user)


class PermissionRequiredMixin(AccessMixin):
    """Only users with every permission in `permission_required` see this LiveView."""

    permission_required: str | Iterable[str] | None = None

    def get_permission_required(self) -> tuple[str, ...]:
        """The permissions to check, as `app_label.codename` strings."""
        if self.permission_required is None:
            name = type(self).__name__
            raise ImproperlyConfigured(
                f"{name} is missing the permission_required attribute. Define "
                f"{name}.permission_required, or override {name}.get_permission_required().")
        if isinstance(self.permission_required, str):
            return (self.permission_required,)
        return tuple(self.permission_required)

    async def has_permission(self, user: Any) -> bool:
        """True if `user` has every permission (async ORM when the user model offers it)."""
        perms = self.get_permission_required()
        if user is None:
            return False
        ahas_perms = getattr(user, "ahas_perms", None)
        if ahas_perms is not None:
            return bool(await ahas_perms(perms))
        return bool(await database_sync_to_async(user.has_perms)(perms))

    async def has_access(self, user: Any) -> bool:
        if not await self.has_permission(user):
            return False
        return await super().has_access(user)


class UserPassesTestMixin(AccessMixin):
    """Only users for whom `test_func(user)` (sync or async) is true see this LiveView."""

    def test_func(self, user: Any) -> bool:
        """Override: the test. Sync versions run in the ORM's thread, so they may query."""
        raise NotImplementedError(
            f"{type(self).__name__} is missing the implementation of the test_func() method.")

    def get_test_func(self) -> Callable[[Any], Any]:
        """The test to run (override to pick another method)."""
        return self.test_func

    async def has_access(self, user: Any) -> bool:
        if not await call_user(self.get_test_func(), user):
            return False
        return await super().has_access(user)


# Checks, used by the HTTP render (page.py) and the join (channel.py) -------------------------
def login_redirect(request: HttpRequest, login_url: str,
                   redirect_field_name: str | None) -> HttpResponse:
    """Redirect to `login_url` with `?next=` the current page, as Django's mixins do."""
    from django.contrib.auth.views import redirect_to_login

    path = request.build_absolute_uri()
    resolved = resolve_url(login_url)
    login_scheme, login_netloc = urlsplit(resolved)[:2]
    current_scheme, current_netloc = urlsplit(path)[:2]
    if (not login_scheme or login_scheme == current_scheme) and \
            (not login_netloc or login_netloc == current_netloc):
        path = request.get_full_path()
    return redirect_to_login(path, resolved, redirect_field_name)


async def view_allows(view: LiveView, user: Any) -> bool:
    """Whether `user` may see `view` (its `has_access`, sync or async)."""
    return bool(await call_user(view.has_access, user))


async def http_access_denied(view: LiveView, request: HttpRequest, user: Any
                             ) -> HttpResponse | None:
    """None if `user` may see `view`, else the answer: a login redirect (or PermissionDenied)."""
    # The first call of every HTTP render: fail here, with the fix, when the app is missing
    # (see liveview.installed), before mount runs and the layout lookup fails obscurely.
    require_installed()
    if await view_allows(view, user):
        return None
    handler = getattr(view, "handle_no_permission", None)
    if handler is not None:
        return handler(request, user)
    # A view overriding has_access without the mixins: Django's default answer.
    return AccessMixin.handle_no_permission(AccessMixin(), request, user)


async def current_session_user(scope: dict[str, Any]) -> tuple[Any, Any]:
    """The websocket's session and user as the session store has them now.

    Channels resolves both when the websocket opens. A session not modified on this socket
    is reloaded, and the user resolved from it as Django's AuthenticationMiddleware does
    (session hash checked, so a password change logs out too); the scope is updated.
    """
    session = scope.get("session")
    if session is None:
        return None, scope.get("user")
    if not session.modified:
        try:
            del session._session_cache
        except AttributeError:  # never loaded yet
            pass
    await session.akeys()  # loads it, from async code
    user = scope.get("user")
    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth import aget_user

        user = await aget_user(SimpleNamespace(session=session))
        scope["user"] = user
    return session, user


# Decorators ------------------------------------------------------------------------------------
def _protect(target: Any, mixin: type, attrs: dict[str, Any], decorator: str) -> Any:
    from .views import LiveView

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
        f"liveview.auth.{decorator}() protects a LiveView class or the view its as_view() "
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
