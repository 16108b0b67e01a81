"""The robustness suite's short mode: each scenario once against a real server process.

Fixtures:
  robust_server   package: robust_server(kind) -> a daphne or uvicorn process on
                  tests.robustness.settings (DEBUG off, its own upload temp dir), shared by the
                  package's tests
  redis_url, redis_prefix   Redis at 127.0.0.1:6379 (tests/integration/conftest.py)
plus the server fixtures of tests/support/pytest_servers.py.
"""
from __future__ import annotations

import pytest

from tests.integration.conftest import redis_prefix, redis_url  # noqa: F401
from tests.support.pytest_servers import *  # noqa: F401,F403

SETTINGS = "tests.robustness.settings"


@pytest.fixture(scope="package")
def robust_server(server_pool, tmp_path_factory):
    started: dict[str, tuple] = {}

    def get(kind: str):
        if kind not in started:
            upload_dir = tmp_path_factory.mktemp(f"uploads-{kind}")
            server = server_pool(kind, settings=SETTINGS, debug=False,
                                 LIVEVIEW_UPLOAD_TEMP_DIR=upload_dir,
                                 DEMO_MEDIA_ROOT=tmp_path_factory.mktemp(f"media-{kind}"))
            started[kind] = (server, upload_dir)
        return started[kind]

    return get
