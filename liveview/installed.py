"""The loud failure when "liveview" is missing from INSTALLED_APPS.

Without the app, Django finds neither its layout template nor its template tags nor its client
script, and its system checks never run (they are registered by the app's `ready()`): every
LiveView page would fail with a bare `TemplateDoesNotExist: liveview/layout.html`. The HTTP render
calls `require_installed()` first, so the error names the fix instead.
"""
from __future__ import annotations

from django.apps import apps

from .exceptions import ConfigurationError

NOT_INSTALLED = (
    '"liveview" is not in INSTALLED_APPS, so Django finds neither its page layout '
    "(liveview/layout.html), nor its template tags, nor its client script, and its system "
    'checks do not run. Add it in your settings: INSTALLED_APPS = ["daphne", *INSTALLED_APPS, '
    '"liveview"] ("daphne" first, so that `manage.py runserver` serves websockets).')


def require_installed() -> None:
    """Raise ConfigurationError (an ImproperlyConfigured), naming the fix, when the liveview
    app is not installed."""
    if not apps.is_installed("liveview"):
        raise ConfigurationError(NOT_INSTALLED)
