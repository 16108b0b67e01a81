"""Types of the optional C extension built from _tracking.c (see that file)."""
from typing import Any, final

MAX_DEPTH: int
MAX_ITEMS: int
#: 1 when atom-only dicts are proven unchanged by their version tag (CPython 3.11-3.13).
DICT_VERSIONS: int

@final
class Frozen: ...

def freeze(value: Any, /) -> Frozen | None: ...
def unchanged(value: Any, frozen: Any, /) -> bool: ...
def register_str_type(type: type, /) -> None: ...
