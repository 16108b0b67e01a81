"""Types of the optional C extension built from _tracking.c (see that file)."""
from typing import Any, final

MAX_DEPTH: int
MAX_ITEMS: int

@final
class Frozen: ...

def freeze(value: Any, /) -> Frozen | None: ...
def unchanged(value: Any, frozen: Any, /) -> bool: ...
