"""The demo settings, routing the test views of views.py (and every demo URL)."""
from demo_project.settings import *  # noqa: F401,F403

ROOT_URLCONF = "tests.server.views"
