"""The demo settings, routing /stream1000/ to the benchmark's view (and every demo URL)."""
from demo_project.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.streams_app.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "loggers": {"liveview": {"level": "WARNING"}}}
