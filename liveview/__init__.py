"""Phoenix LiveView for Django: server-rendered, real-time pages in Python and templates."""
from .events import InfoEvent
from .pubsub import broadcast, broadcast_sync
from .socket import (
    ConnectedLiveViewSocket,
    ConnectedOnlyError,
    LiveViewSocket,
    UnconnectedSocket,
    is_connected,
)
from .views import LiveView

__all__ = [
    "ConnectedLiveViewSocket",
    "ConnectedOnlyError",
    "InfoEvent",
    "LiveView",
    "LiveViewSocket",
    "UnconnectedSocket",
    "broadcast",
    "broadcast_sync",
    "is_connected",
]
