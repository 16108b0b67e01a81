"""The suite's own checks can fail: the log check finds what it must, mutations are seeded."""
from __future__ import annotations

import random
import re

from .harness import check_log
from .mutate import mutate
from .recording import load

LOG = """INFO liveview.runtime.consumer: fine
ERROR liveview.runtime.view_channel: lv:phx-1: event 'crash' handler raised; restarting the view
Traceback (most recent call last):
  File "views.py", line 1, in handle_event
tests.robustness.views.IntendedCrash: robustness: intended crash in handle_event
ERROR liveview.runtime.view_channel: lv:phx-2: event 'x' handler raised; restarting the view
Traceback (most recent call last):
  File "views.py", line 2, in handle_event
KeyError: 'a'
Traceback (most recent call last):
  File "consumer.py", line 3, in on_text
ValueError: bad frame
ERROR:    Exception in ASGI application
WARNING liveview.runtime.router: join of lv:phx-3 refused: too many joins
"""


def test_the_log_check_finds_unexpected_errors_and_tracebacks():
    report = check_log(LOG, [re.compile("robustness: intended crash")])
    assert report.expected == 1
    assert report.errors == [
        "ERROR liveview.runtime.view_channel: lv:phx-2: event 'x' handler raised; "
        "restarting the view",
        "ERROR:    Exception in ASGI application"]
    assert [t.splitlines()[-1] for t in report.tracebacks] == ["KeyError: 'a'",
                                                               "ValueError: bad frame"]


def test_nothing_is_expected_unless_said():
    report = check_log(LOG)
    assert report.expected == 0 and len(report.errors) == 3 and len(report.tracebacks) == 3


def test_mutations_are_reproducible_from_the_seed():
    frames = [f["text"] for s in load() for f in s.frames if "text" in f]

    def run(seed):
        rng = random.Random(seed)
        return [mutate(frame, rng, frames[0]) for frame in frames]

    assert run(5) == run(5)
    assert run(5) != run(6)
