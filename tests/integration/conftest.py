"""Scale-out tests: several real server processes sharing Redis at 127.0.0.1:6379.

Redis being down FAILS these tests (never skips): a missing Redis must not turn CI green.

Fixtures:
  redis_url      session: redis://127.0.0.1:6379/0, checked with PING
  redis_prefix   function: a channels_redis key prefix unique to the test (keys removed after)
  redis_servers  function: redis_servers(*kinds, **env) starts servers on Redis with that prefix
  redis_pair     module: two daphne processes on RedisChannelLayer, shared by a module's tests
plus the server fixtures of tests/support/pytest_servers.py.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.pytest_servers import *  # noqa: F401,F403
from tests.support.servers import ServerFactory

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); the scale-out tests need "
                    f"it (apt-get install redis-server; redis-server --daemonize yes)",
                    pytrace=False)
    finally:
        client.close()
    return REDIS_URL


def _unique_prefix() -> str:
    return f"lvtest-{uuid.uuid4().hex[:12]}"


def _delete_prefix(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def redis_prefix(redis_url):
    """A key prefix of this test alone, so runs in parallel (or leftovers) never cross."""
    prefix = _unique_prefix()
    yield prefix
    _delete_prefix(redis_url, prefix)


def start_together(servers) -> None:
    """Start servers made with start=False in parallel (each start waits for HTTP)."""
    with ThreadPoolExecutor(len(servers)) as pool:
        for future in [pool.submit(server.start) for server in servers]:
            future.result()


@pytest.fixture
def redis_servers(server_factory, redis_url, redis_prefix):
    """redis_servers(*kinds, **env) -> one server per kind, sharing this test's Redis prefix."""

    def start(*kinds: str, **env):
        env.setdefault("LIVEVIEW_REDIS_PREFIX", redis_prefix)
        servers = [server_factory(kind, start=False, LIVEVIEW_REDIS_URL=redis_url, **env)
                   for kind in kinds]
        start_together(servers)
        return servers

    return start


@pytest.fixture(scope="module")
def redis_pair(tmp_path_factory, server_template_db, redis_url):
    """Two daphne processes on RedisChannelLayer, shared by a module's tests."""
    prefix = _unique_prefix()
    factory = ServerFactory(tmp_path_factory.mktemp("redis-pair"), server_template_db)
    try:
        servers = [factory("daphne", start=False, LIVEVIEW_REDIS_URL=redis_url,
                           LIVEVIEW_REDIS_PREFIX=prefix) for _ in range(2)]
        start_together(servers)
        yield servers
    finally:
        factory.stop_all()
        _delete_prefix(redis_url, prefix)
