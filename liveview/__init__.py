"""Phoenix LiveView for Django: server-rendered, real-time pages in Python and templates."""
from .core.uploads import UploadConstraints
from .events import InfoEvent
from .pubsub import broadcast, broadcast_sync
from .socket import (
    ConnectedLiveViewSocket,
    ConnectedOnlyError,
    LiveViewSocket,
    UnconnectedSocket,
    is_connected,
)
from .uploads import ConsumedUpload, UploadConfig, UploadEntry, UploadError, save_upload
from .views import LiveView

__all__ = [
    "ConnectedLiveViewSocket",
    "ConnectedOnlyError",
    "ConsumedUpload",
    "InfoEvent",
    "LiveView",
    "LiveViewSocket",
    "UnconnectedSocket",
    "UploadConfig",
    "UploadConstraints",
    "UploadEntry",
    "UploadError",
    "broadcast",
    "broadcast_sync",
    "is_connected",
    "save_upload",
]
