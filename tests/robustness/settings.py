"""The demo settings plus the robustness suite's views; log lines carry their level.

The outbound buffer limit is lowered so that a flood reaches it in seconds; the policy is the
one documented for the default (docs/deployment.md, "Limits").
"""
from demo_project.settings import *  # noqa: F401,F403
from demo_project.settings import LIVEVIEW as _DEMO_LIVEVIEW

ROOT_URLCONF = "tests.robustness.views"

LIVEVIEW = {**_DEMO_LIVEVIEW, "OUTBOUND_BUFFER_LIMIT": 512 * 1024}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"level": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "level"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"liveview": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
