"""The robustness suite's long mode: the scenarios of tests/robustness/ for minutes, with figures.

For each server (`--servers daphne,uvicorn`) one process is started on the suite's settings
(tests/robustness/settings.py, DEBUG off, its own sqlite file and upload temp dir) and each
scenario (`--scenarios`, default all) runs on it for its share of `--minutes`, at `--scale`
times the short mode's work per round, while the watchdog clicks a counter. The Redis close
race gets a process of its own on Redis at 127.0.0.1:6379 (a key prefix unique to the run).

    .venv/bin/python bench/robustness.py                       # about 4 minutes
    .venv/bin/python bench/robustness.py --minutes 10 --scale 3 --seed 7
    .venv/bin/python bench/robustness.py --servers uvicorn --scenarios mutated_frames

Prints one row per scenario and server (frames sent, tracebacks and ERROR lines the scenario
did not provoke on purpose, server RSS at the start of the measured rounds, peak and after the
clients left, watchdog clicks and round-trip p99 and max), what each scenario counted, and
every problem found. The exit status is 1 when a problem was found.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.robustness.settings")

import django  # noqa: E402

django.setup()

from tests.robustness import runner  # noqa: E402
from tests.robustness.scenarios import SCENARIOS  # noqa: E402
from tests.support.servers import ServerFactory, migrate_template_db  # noqa: E402

SETTINGS = "tests.robustness.settings"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def main(args: argparse.Namespace) -> int:
    scenarios = args.scenarios.split(",")
    servers = args.servers.split(",")
    share = args.minutes * 60 / (len(scenarios) * len(servers))
    print(f"robustness, long mode: {', '.join(scenarios)} on {', '.join(servers)}, "
          f"{share:.0f} s each, scale {args.scale}, seed {args.seed}; load average {_load()}")
    print(runner.HEADER)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lv-robust-") as tmp:
        tmp_dir = Path(tmp)
        factory = ServerFactory(tmp_dir, migrate_template_db(tmp_dir / "template.sqlite3"))
        try:
            for kind in servers:
                upload_dir = tmp_dir / f"uploads-{kind}"
                upload_dir.mkdir()
                plain = None
                for scenario in scenarios:
                    extra: dict = {}
                    if scenario == "redis_close_race":
                        prefix = f"lvrobust-{uuid.uuid4().hex[:12]}"
                        server = factory(kind, settings=SETTINGS, debug=False,
                                         LIVEVIEW_REDIS_URL=REDIS_URL,
                                         LIVEVIEW_REDIS_PREFIX=prefix)
                        extra = {"redis_url": REDIS_URL, "redis_prefix": prefix}
                    else:
                        if plain is None:
                            plain = factory(kind, settings=SETTINGS, debug=False,
                                            LIVEVIEW_UPLOAD_TEMP_DIR=upload_dir,
                                            DEMO_MEDIA_ROOT=tmp_dir / f"media-{kind}")
                        server = plain
                    try:
                        figures = await runner.run(scenario, server, seed=args.seed,
                                                   scale=args.scale, duration=share,
                                                   watchdog_bound=args.watchdog_bound,
                                                   upload_dir=upload_dir, **extra)
                    except AssertionError as exc:
                        problems.append(f"{scenario} on {kind}: {exc}")
                        print(f"{scenario:<16} {kind:<8} FAILED: {str(exc)[:300]}")
                        continue
                    print(figures.row())
                    print("    " + ", ".join(f"{k} {v}" for k, v in figures.counts.items()))
                    kinds = Counter(t.splitlines()[-1][:160] for t in figures.log.tracebacks)
                    for line, n in kinds.most_common():
                        print(f"    {n} traceback(s) ending in: {line}")
                    problems += [f"{scenario} on {kind}: {p}" for p in figures.problems()]
                    if scenario == "redis_close_race":
                        server.stop()
        finally:
            factory.stop_all()
    print(f"load average {_load()}")
    for problem in problems:
        print("PROBLEM:", problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--servers", default="daphne,uvicorn")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--watchdog-bound", type=float, default=15.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
