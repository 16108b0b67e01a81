"""The robustness scenarios in their short mode (one measured round each, run by `make test`).

Each test runs one scenario against a real server process while the watchdog clicks a
counter, then requires: the process alive, every watchdog click answered in time and counted
right, no traceback and no ERROR line in the server's output except those the scenario
provokes on purpose, and RSS after the clients left within a small margin of RSS before.
The long mode (`bench/robustness.py`) runs the same scenarios for minutes.

The seed is printed with the figures; `LIVEVIEW_ROBUST_SEED=<n>` replays a run.
"""
from __future__ import annotations

import os

import pytest

from . import runner

SEED = int(os.environ.get("LIVEVIEW_ROBUST_SEED") or 20261202)
# Generous: a watchdog click waits behind whatever the machine runs; the issue saw stalls of
# 5 to 15 s when a flood froze the event loop.
WATCHDOG_BOUND = 10.0


def _check(figures: runner.Figures) -> None:
    print(runner.HEADER)
    print(figures.row(), f"seed {figures.seed}")
    print(figures.counts)
    problems = figures.problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scenario, kind", [
    ("mutated_frames", "uvicorn"),
    ("mutated_frames", "daphne"),
    ("broadcast_flood", "uvicorn"),
    ("broadcast_flood", "daphne"),
    ("crash_storm", "daphne"),
    ("upload_flood", "uvicorn"),
])
async def test_scenario(robust_server, scenario, kind):
    server, upload_dir = robust_server(kind)
    _check(await runner.run(scenario, server, seed=SEED, watchdog_bound=WATCHDOG_BOUND,
                            upload_dir=upload_dir))


@pytest.mark.redis
async def test_redis_close_race(server_factory, redis_url, redis_prefix):  # noqa: F811
    server = server_factory("uvicorn", settings="tests.robustness.settings", debug=False,
                            LIVEVIEW_REDIS_URL=redis_url, LIVEVIEW_REDIS_PREFIX=redis_prefix)
    _check(await runner.run("redis_close_race", server, seed=SEED,
                            watchdog_bound=WATCHDOG_BOUND, redis_url=redis_url,
                            redis_prefix=redis_prefix))
