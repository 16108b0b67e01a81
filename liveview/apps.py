from django.apps import AppConfig


class LiveViewConfig(AppConfig):
    """Django app config: registers the system checks."""

    name = "liveview"
    verbose_name = "LiveView"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
