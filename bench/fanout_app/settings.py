"""The demo settings, routing /fanout/ to the benchmark's view."""
from demo_project.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.fanout_app.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "loggers": {"liveview": {"level": "WARNING"}}}
