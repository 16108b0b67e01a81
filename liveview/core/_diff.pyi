"""Types of the optional C extension built from _diff.c (see that file)."""
from typing import Any, Callable

def diff_dynamics(diff_value: Callable[[Any, Any], Any], old: dict[str, Any],
                  new: dict[str, Any], /) -> dict[str, Any]: ...
def diff_tree(diff_value: Callable[[Any, Any], Any], old: dict[str, Any] | None,
              new: dict[str, Any], /) -> dict[str, Any]: ...
