"""The mmap threshold pinned at the first websocket: large buffers go back to the system.

Each case runs in a fresh interpreter (the threshold is per process and glibc's dynamic raise
cannot be undone): a 4 MB block is allocated and freed, which makes glibc raise its threshold
unless it is pinned; then 100 buffers of 400 KB are allocated with small allocations between
them, and every other buffer is freed while the rest are still held, as happens when some of
a process's clients leave. Pinned, each freed buffer is unmapped at once; not pinned, they sit
in the heap between live blocks and the process keeps all of it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import sys
import django
from django.conf import settings
threshold = None if sys.argv[1] == "none" else int(sys.argv[1])
settings.configure(LIVEVIEW={"MALLOC_MMAP_THRESHOLD": threshold})
django.setup()
from liveview.runtime.native_memory import pin_mmap_threshold

def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

pinned = pin_mmap_threshold()
again = pin_mmap_threshold()
big = bytearray(4 * 1024 * 1024)
del big
before = rss_kb()
buffers, small = [], []
for _ in range(100):
    buffers.append(bytearray(400 * 1024))
    small.append(bytearray(2000))
grown = rss_kb() - before
for i in range(0, 100, 2):
    buffers[i] = None
print(pinned, again, grown, rss_kb() - before)
'''

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="the threshold is glibc's; elsewhere pin_mmap_threshold does nothing")


def probe(threshold: str, **env: str) -> tuple[bool, bool, int, int]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    full_env.update(env, PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run([sys.executable, "-c", PROBE, threshold], env=full_env, check=True,
                         capture_output=True, text=True, timeout=60).stdout.split()
    return out[0] == "True", out[1] == "True", int(out[2]), int(out[3])


def test_pinned_threshold_gives_freed_large_buffers_back():
    pinned, again, grown, kept = probe(str(128 * 1024))
    assert pinned and not again  # once per process
    assert grown > 35_000  # KB: the 100 buffers were really allocated
    assert kept < grown * 0.7, (grown, kept)  # the 50 freed ones went back to the system


def test_without_pinning_the_freed_buffers_stay_in_the_process():
    # The case above would pass for nothing if glibc gave these back anyway.
    pinned, _, grown, kept = probe("none")
    assert not pinned
    assert kept > grown * 0.9, (grown, kept)


def test_an_operators_environment_variable_wins():
    pinned, _, grown, kept = probe(str(128 * 1024), MALLOC_MMAP_THRESHOLD_="131072")
    assert not pinned  # left to glibc, which read the variable at start...
    assert kept < grown * 0.7, (grown, kept)  # ...and pins it as well
