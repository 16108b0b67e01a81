"""The demo settings, routing the upload test views (bench/upload.py uses /t/up/big/)."""
from demo_project.settings import *  # noqa: F401,F403

ROOT_URLCONF = "tests.runtime.upload_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "loggers": {"liveview": {"level": "WARNING"}}}
