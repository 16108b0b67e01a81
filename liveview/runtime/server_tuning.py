"""Per-frame work the ASGI server does for nothing, turned off once per process.

daphne's websocket stack (autobahn) builds the arguments of its debug log calls on every frame
received and sent, whatever the log level: `hltype(...)`/`hlval(...)` colour names with
`click.style`, about a quarter of daphne's whole per-frame CPU (measured with
`bench/socket_load.py --apps echo --profile`). txaio drops the call itself below debug, but
the arguments are built before the call, so no log level can save that work.

`quiet_autobahn_log_arguments` swaps the two helpers, in the autobahn modules that call them
per frame, for versions that build the text only while txaio logs at debug or trace (daphne
never turns that on; `txaio.start_logging(level="debug")` still gets the full messages), and
an empty string otherwise. Nothing else of the server changes: `runserver`'s and daphne's
access logs come from daphne itself.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# Modules that call the helpers on every frame (processData, sendData, dataReceived).
_PER_FRAME_MODULES = ("autobahn.websocket.protocol", "autobahn.twisted.websocket")
_HELPERS = ("hltype", "hlval")
_VERBOSE_LEVELS = frozenset({"debug", "trace"})
_done = False


def _when_verbose(helper: Callable[..., str], level: Callable[[], str]) -> Callable[..., str]:
    def helper_when_verbose(*args: Any, **kwargs: Any) -> str:
        return helper(*args, **kwargs) if level() in _VERBOSE_LEVELS else ""

    helper_when_verbose.original = helper  # type: ignore[attr-defined]
    return helper_when_verbose


def quiet_autobahn_log_arguments() -> bool:
    """Stop autobahn formatting unused debug-log arguments per frame; True if it did.

    Runs once per process, at the first websocket; a no-op unless daphne (autobahn) serves.
    """
    global _done
    if _done:
        return False
    modules = [sys.modules.get(name) for name in _PER_FRAME_MODULES]
    if any(module is None for module in modules):
        return False  # not daphne (or not yet imported): nothing to do
    _done = True
    try:
        import txaio

        level: Callable[[], str] = txaio.get_global_log_level  # type: ignore[attr-defined]
        for module in modules:
            for name in _HELPERS:
                helper = getattr(module, name, None)
                if callable(helper) and not hasattr(helper, "original"):
                    setattr(module, name, _when_verbose(helper, level))
    except Exception:  # an autobahn or txaio change: keep their behaviour, lose the saving
        logger.warning("could not turn off autobahn's per-frame log formatting", exc_info=True)
        return False
    return True
