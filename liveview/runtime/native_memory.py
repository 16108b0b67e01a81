"""Keep glibc from holding on to large frame buffers after their clients leave.

glibc serves allocations of 128 KiB and more with their own mmap and unmaps them on free, but
the first time such a block is freed it raises that threshold to the block's size (up to
32 MiB). From then on, buffers of a few hundred KB (a large frame being received, parsed and
answered; permessage-deflate's state) come from the heap, where a few small objects allocated
beside them keep the freed space from going back to the system. A process that saw a burst of
large frames then stays tens of MB above its start once the clients have left, and creeps up
with each burst (the robustness suite's long mode: +18 MB after three minutes of mutated frames
on uvicorn, against +8 MB with the threshold pinned).

`pin_mmap_threshold` sets the threshold once per process (`mallopt(M_MMAP_THRESHOLD, n)`, which
also turns the dynamic raise off) to `LIVEVIEW["MALLOC_MMAP_THRESHOLD"]` bytes, glibc's own
default of 128 KiB unless configured. `None` leaves the allocator alone, and so does an operator's
`MALLOC_MMAP_THRESHOLD_` environment variable (it already pins the threshold, their value wins).
On other C libraries (musl, macOS) it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

from ..conf import liveview_settings

logger = logging.getLogger(__name__)

#: mallopt's parameter number for the mmap threshold (glibc's malloc.h).
M_MMAP_THRESHOLD = -3
#: glibc refuses thresholds above HEAP_MAX_SIZE / 2 (32 MiB on 64-bit).
MAX_THRESHOLD = 32 * 1024 * 1024
ENV_VARIABLE = "MALLOC_MMAP_THRESHOLD_"

_done = False


def _glibc_mallopt() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        gnu_get_libc_version = libc.gnu_get_libc_version  # glibc only (not musl)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    gnu_get_libc_version.restype = ctypes.c_char_p
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt


def pin_mmap_threshold() -> bool:
    """Pin glibc's mmap threshold once per process; True if this call set it."""
    global _done
    if _done:
        return False
    _done = True
    threshold = liveview_settings.MALLOC_MMAP_THRESHOLD
    if threshold is None or os.environ.get(ENV_VARIABLE):
        return False
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    if not mallopt(M_MMAP_THRESHOLD, min(int(threshold), MAX_THRESHOLD)):
        logger.warning("glibc refused MALLOC_MMAP_THRESHOLD=%r; the allocator keeps its own",
                       threshold)
        return False
    return True
