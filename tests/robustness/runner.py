"""Run a scenario against a server process with the watchdog, and gather its figures.

One run: the watchdog starts clicking; a warm-up round; RSS *before*; more rounds (one in the
short mode, as many as fit in `duration` in the long mode); the clients leave; RSS *after*
(settled); the watchdog stops; the server's log since the start is checked. Both modes share
this code; only the number of rounds and their scale differ.
"""
from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import ServerProcess

from .harness import SENT, LogReport, Watchdog, check_log, rss_kb, settled_rss_kb
from .scenarios import SCENARIOS, Context
from .views import CRASH_MARK

# Log lines a scenario provokes on purpose (everything else at ERROR, and every traceback, is a
# finding). The crash storm's handlers raise IntendedCrash: the view channel logs each crash.
EXPECTED: dict[str, list[re.Pattern[str]]] = {
    "crash_storm": [re.compile(re.escape(CRASH_MARK))],
}
# RSS after the clients left may exceed RSS before by this much (allocator slack).
RSS_MARGIN_KB = 12 * 1024


@dataclass
class Figures:
    scenario: str
    server: str
    seed: int
    rounds: int = 0
    seconds: float = 0.0
    rss_start_kb: int = 0
    rss_before_kb: int = 0
    rss_peak_kb: int = 0
    rss_after_kb: int = 0
    watchdog_clicks: int = 0
    watchdog_p99: float = 0.0
    watchdog_max: float = 0.0
    watchdog_error: str | None = None
    alive: bool = True
    log: LogReport = field(default_factory=lambda: LogReport([], []))
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return self.counts.get("frames", 0)

    def problems(self) -> list[str]:
        """What makes the run fail; empty when the server held."""
        found = []
        if not self.alive:
            found.append("the server process died")
        if self.watchdog_error:
            found.append(f"watchdog: {self.watchdog_error}")
        if self.rss_after_kb - self.rss_before_kb > RSS_MARGIN_KB:
            found.append(f"RSS grew from {self.rss_before_kb // 1024} MB to "
                         f"{self.rss_after_kb // 1024} MB after the clients left "
                         f"(margin {RSS_MARGIN_KB // 1024} MB)")
        found += [f"log: {p}" for p in self.log.problems[:10]]
        return found

    def row(self) -> str:
        return (f"{self.scenario:<16} {self.server:<8} {self.rounds:>6} {self.frames:>8} "
                f"{len(self.log.tracebacks):>5} {len(self.log.errors):>6} "
                f"{self.rss_before_kb / 1024:>7.1f} {self.rss_peak_kb / 1024:>7.1f} "
                f"{self.rss_after_kb / 1024:>7.1f} {self.watchdog_clicks:>6} "
                f"{self.watchdog_p99 * 1000:>7.0f} {self.watchdog_max * 1000:>7.0f}  "
                f"{'alive' if self.alive else 'DEAD'}")


HEADER = (f"{'scenario':<16} {'server':<8} {'rounds':>6} {'frames':>8} {'tbs':>5} "
          f"{'errors':>6} {'rss0 MB':>7} {'peak MB':>7} {'rss1 MB':>7} {'clicks':>6} "
          f"{'p99 ms':>7} {'max ms':>7}")


async def run(scenario: str, server: ServerProcess, *, seed: int, scale: int = 1,
              duration: float = 0.0, watchdog_bound: float = 15.0,
              upload_dir: Path | None = None, redis_url: str | None = None,
              redis_prefix: str | None = None) -> Figures:
    """Run `scenario` on `server`: a warm-up round, then rounds until `duration` seconds
    passed (at least one)."""
    round_ = SCENARIOS[scenario]
    figures = Figures(scenario, server.kind, seed)
    pid = server.proc.pid
    log_from = server.log_size()
    ctx = Context(server.port, random.Random(seed), scale, upload_dir, redis_url, redis_prefix)
    sent_before = SENT["frames"]
    figures.rss_start_kb = rss_kb(pid)
    watchdog = await Watchdog(server.port, watchdog_bound).start()
    peak = 0

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_kb(pid))
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    try:
        await round_(ctx)  # warm-up: the caches and pools a round fills
        figures.rss_before_kb = await settled_rss_kb(pid)
        while True:
            await round_(ctx)
            figures.rounds += 1
            if time.monotonic() - started >= duration:
                break
        figures.rss_after_kb = await settled_rss_kb(pid)
    finally:
        figures.seconds = time.monotonic() - started
        sampler.cancel()
        await watchdog.stop()
        figures.rss_peak_kb = peak
        figures.watchdog_clicks = len(watchdog.latencies)
        figures.watchdog_p99 = watchdog.p99
        figures.watchdog_max = watchdog.max
        figures.watchdog_error = watchdog.error
        figures.alive = server.running
        figures.log = check_log(server.log_text(log_from), EXPECTED.get(scenario, []))
        figures.counts = {"frames": SENT["frames"] - sent_before, **ctx.counts,
                          "expected log lines": figures.log.expected}
    return figures
