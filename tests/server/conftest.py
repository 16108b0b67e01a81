"""Tests against real daphne and uvicorn processes serving the test views of views.py."""
from tests.support.pytest_servers import *  # noqa: F401,F403
