from django.apps import AppConfig


class DemosConfig(AppConfig):
    name = "demo_project.demos"
    label = "demos"
    default_auto_field = "django.db.models.BigAutoField"
