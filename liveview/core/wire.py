"""Key names of the Phoenix LiveView 1.x rendered-tree wire format (protocol.md §4)."""

STATIC = "s"  # statics: list of strings around the dynamics
KEYED = "k"  # keyed comprehension entries
KEYED_COUNT = "kc"  # entry count, in every "k" object
KEYED_MOVES = "km"  # true when "k" holds moved entries
STREAM = "stream"  # on a comprehension: [ref, inserts, deleted dom ids, (reset)]
TITLE = "t"  # top level only: new page title
EVENTS = "e"  # top level only: push events [[name, payload], ...]
REPLY = "r"  # top level only: hook reply
COMPONENTS = "c"  # top level only: component table
