"""ASGI entry point: Django for HTTP, the LiveView consumer for /live/websocket."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from liveview.asgi import liveview_application  # noqa: E402

application = liveview_application(django_application)
