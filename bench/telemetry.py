"""What instrumentation costs a click: counter clicks through the runtime, in process.

Run: `.venv/bin/python bench/telemetry.py` (options: `--help`). Prints figures, never fails
on them (they depend on the machine and on whatever else runs on it).

One joined `CounterLiveView` (the demo's counter) is driven through the runtime's
`ViewChannel` as the consumer drives it: an `event` frame goes into the view's mailbox, the
handler runs, the view renders, diffs, and its reply is encoded and handed to `send`. The
websocket and the frame decoding are left out: they do not change with instrumentation, and
leaving them out makes the difference easier to see. Variants, each in its own process:

  none      by default this tree with `telemetry.span` and `telemetry.quiet` stubbed (every
            span OFF at no cost: what the instrumentation's own checks cost is `off` minus
            `none`); with `--baseline REV`, liveview/ at that git revision, extracted with
            `git archive` (the worker drives the runtime's internals, so REV must be recent
            enough to run it: the code before instrumentation no longer is)
  off       this tree, nobody listening: no receiver, `liveview.telemetry` below DEBUG
  receiver  this tree, one trivial receiver connected to every signal
  log       this tree, `liveview.telemetry` at DEBUG, lines written to /dev/null

Rounds alternate the variants (none, off, receiver, log, none, ...) so that load changing
during the run hits them all alike; each figure is the median over the rounds of the CPU
time (process_time) per click. The `off` process also times one `telemetry.span` call that
finds nobody listening.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIANTS = ("none", "off", "receiver", "log")


# The worker: one variant, one process -----------------------------------------------------------
def worker(variant: str, clicks: int, warmup: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    import asyncio
    import logging
    import time

    from django.contrib.auth.models import AnonymousUser
    from django.middleware.csrf import (  # type: ignore[attr-defined]
        _get_new_csrf_string,
        _mask_cipher_secret,
    )

    import liveview
    from demo_project.demos.views import CounterLiveView
    from liveview.core import protocol as p
    from liveview.routing import dotted_path
    from liveview.runtime.view_channel import ViewChannel
    from liveview.tokens import SessionToken, new_view_id, sign_session, sign_static

    figures: dict = {"variant": variant, "liveview": str(Path(liveview.__file__).parent)}
    if variant == "none" and os.environ.get("LIVEVIEW_BENCH_STUB_TELEMETRY"):
        from liveview import telemetry

        # Callers reach both through the module (`telemetry.span(...)`): one attribute each.
        telemetry.span = lambda *args: telemetry.OFF  # type: ignore[assignment]
        telemetry.quiet = lambda signal: True  # type: ignore[assignment]
    if variant in ("off", "receiver", "log"):
        from liveview import signals, telemetry

        log = logging.getLogger("liveview.telemetry")
        if variant == "receiver":
            heard = [0]

            def receiver(**kwargs: object) -> None:
                heard[0] += 1

            for name in signals.__all__:
                signal = getattr(signals, name)
                if isinstance(signal, signals.TelemetrySignal):
                    signal.connect(receiver)
            figures["heard"] = heard
        elif variant == "log":
            handler = logging.StreamHandler(open(os.devnull, "w"))
            log.addHandler(handler)
            log.setLevel(logging.DEBUG)
            log.propagate = False

    async def run() -> tuple[float, float]:
        view_id = new_view_id()
        topic = p.LV_TOPIC_PREFIX + view_id
        secret = _get_new_csrf_string()
        scope = {"type": "websocket", "cookies": {"csrftoken": secret}, "session": None,
                 "user": AnonymousUser(), "headers": []}
        payload = {"url": "http://127.0.0.1/counter/",
                   "params": {"_csrf_token": _mask_cipher_secret(secret), "_mounts": 0},
                   "session": sign_session(SessionToken(view_id, dotted_path(CounterLiveView),
                                                        CounterLiveView.live_session)),
                   "static": sign_static(view_id)}
        loop = asyncio.get_running_loop()
        waiting: list[asyncio.Future] = []

        def send(text: str) -> None:
            if waiting and not waiting[0].done():
                waiting[0].set_result(text)

        def close_upload(ref: str) -> None:
            pass

        async def request(frame: p.Frame) -> str:
            waiting[:] = [loop.create_future()]
            channel.post(frame)
            return await waiting[0]

        waiting.append(loop.create_future())
        channel = ViewChannel(p.Frame("1", "1", topic, p.JOIN, payload), send=send,
                              scope=scope, close_upload=close_upload,
                              on_stop=lambda channel: None)
        joined = json.loads(await waiting[0])
        assert joined[4]["status"] == "ok", joined
        click = {"type": "click", "event": "increment", "value": {"value": ""}}
        for i in range(warmup):
            await request(p.Frame("1", str(i), topic, p.EVENT, click))
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(clicks):
            reply = await request(p.Frame("1", str(i), topic, p.EVENT, click))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        count = json.loads(reply)[4]["response"]["diff"]
        assert str(warmup + clicks) in json.dumps(count), count  # every click counted
        await channel.stop()
        return cpu, wall

    cpu, wall = asyncio.run(run())
    if variant == "off":  # after the clicks: the loop must not warm anything for them
        assert not log.isEnabledFor(logging.DEBUG)
        n = 200_000
        start = time.perf_counter()
        for _ in range(n):
            with telemetry.span(signals.event_handled, CounterLiveView, "x", True,
                                (None, None, "increment", None)):
                pass
        figures["span_off_ns"] = (time.perf_counter() - start) / n * 1e9
    figures["cpu_us"] = cpu / clicks * 1e6
    figures["wall_us"] = wall / clicks * 1e6
    if "heard" in figures:
        figures["signals_per_click"] = figures.pop("heard")[0] / (clicks + warmup)
    return figures


# The driver ------------------------------------------------------------------------------------
def baseline_tree(rev: str, into: Path) -> str:
    """Extract liveview/ at `rev` into `into`."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "archive", sha, "liveview"], cwd=REPO,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return sha


def run_worker(variant: str, args: argparse.Namespace, path_first: Path | None) -> dict:
    env = dict(os.environ)
    if variant == "none" and path_first is None:
        env["LIVEVIEW_BENCH_STUB_TELEMETRY"] = "1"
    paths = [str(path_first)] if path_first is not None else []
    env["PYTHONPATH"] = os.pathsep.join(paths + [str(REPO)])
    out = subprocess.run(
        [sys.executable, __file__, "--worker", variant, "--clicks", str(args.clicks),
         "--warmup", str(args.warmup)],
        cwd=REPO, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"worker {variant} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--clicks", type=int, default=4000, help="timed clicks per process")
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--baseline", help="a git revision to run as `none` (default: this "
                                           "tree, telemetry stubbed)")
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if args.worker == "none":  # the baseline's liveview must win over the repo's
            sys.path.insert(0, os.environ["PYTHONPATH"].split(os.pathsep)[0])
        print(json.dumps(worker(args.worker, args.clicks, args.warmup)))
        return

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) if args.baseline else None
        none = f"liveview/ at {baseline_tree(args.baseline, Path(tmp))}" if args.baseline \
            else "this tree, telemetry.span and telemetry.quiet stubbed"
        print(f"none = {none}; {args.rounds} rounds of {args.clicks} clicks per "
              f"variant (after {args.warmup} warm-up clicks), variants alternating")
        for _ in range(args.rounds):
            for variant in VARIANTS:
                results[variant].append(
                    run_worker(variant, args, baseline if variant == "none" else None))
    if baseline is not None:
        assert results["none"][0]["liveview"].startswith(tmp), "baseline not imported"
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    base = statistics.median(r["cpu_us"] for r in results["none"])
    print()
    print(f"{'variant':<10} {'cpu/click':>10} {'vs none':>9} {'wall/click':>11}  per round "
          f"(cpu us)")
    for variant in VARIANTS:
        cpu = statistics.median(r["cpu_us"] for r in results[variant])
        wall = statistics.median(r["wall_us"] for r in results[variant])
        rounds = " ".join(f"{r['cpu_us']:.1f}" for r in results[variant])
        print(f"{variant:<10} {cpu:>8.1f}us {cpu - base:>+7.1f}us {wall:>9.1f}us  {rounds}")
    span_ns = statistics.median(r["span_off_ns"] for r in results["off"])
    per_click = results["receiver"][0].get("signals_per_click", 0)
    print()
    print(f"one span with nobody listening: {span_ns:.0f} ns; a click has "
          f"{per_click:.0f} spans (handle_event, render)")


if __name__ == "__main__":
    main()
