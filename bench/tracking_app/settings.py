"""The demo settings, routing the tracking benchmark's pages (and every demo URL).

`LIVEVIEW_BENCH_TRACKING=0` in the environment turns change tracking off, so one run can
measure both sides."""
import os

from demo_project.settings import *  # noqa: F401,F403
from demo_project.settings import LIVEVIEW as _DEMO_LIVEVIEW

ROOT_URLCONF = "bench.tracking_app.urls"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "loggers": {"liveview": {"level": "WARNING"}}}
LIVEVIEW = {**_DEMO_LIVEVIEW,
            "CHANGE_TRACKING": os.environ.get("LIVEVIEW_BENCH_TRACKING", "1") != "0"}
