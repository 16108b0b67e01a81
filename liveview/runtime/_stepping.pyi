"""Types of the optional C extension built from _stepping.c (see that file)."""
from typing import Any

DONE: object

def step(coroutine: Any, /) -> Any: ...
