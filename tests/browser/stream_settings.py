"""The demo settings, routing the test views of stream_views.py (and every demo URL)."""
from demo_project.settings import *  # noqa: F401,F403

ROOT_URLCONF = "tests.browser.stream_views"
