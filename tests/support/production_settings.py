"""The demo settings with STATIC_ROOT taken from $LIVEVIEW_TEST_STATIC_ROOT.

Used by the production static-file tests so `collectstatic` writes into a temp folder instead of
the checkout's staticfiles/. Set DJANGO_DEBUG=0 beside it to get a production configuration.
"""
import os

from demo_project.settings import *  # noqa: F401,F403

STATIC_ROOT = os.environ["LIVEVIEW_TEST_STATIC_ROOT"]
