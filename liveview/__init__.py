"""Phoenix LiveView for Django: server-rendered, real-time pages in Python and templates."""
from . import presence, signals
from .asyncwork import AsyncResult
from .auth import LoginRequiredMixin, PermissionRequiredMixin, UserPassesTestMixin
from .components import send_update, send_update_sync
from .core.uploads import UploadConstraints
from .decorators import login_required, permission_required, user_passes_test
from .events import InfoEvent
from .exceptions import (
    AsyncCancelled,
    ConnectedOnlyError,
    LiveViewError,
    UploadError,
    UploadRejected,
)
from .forms import LiveFormMixin, abind_form, aclean_form, bind_form, reset_form
from .js import JS
from .lifecycle import HALT, Halt
from .live_component import ComponentSocket, LiveComponent
from .pubsub import broadcast, broadcast_sync
from .s3 import S3PresignedPost
from .socket import ConnectedLiveViewSocket, LiveViewSocket, UnconnectedSocket, is_connected
from .upload_writers import CallbackWriter, StorageWriter, UploadWriter, storage_writer
from .uploads import ConsumedUpload, UploadConfig, UploadEntry, save_upload
from .views import LiveView

__all__ = [
    "HALT",
    "AsyncCancelled",
    "AsyncResult",
    "CallbackWriter",
    "ComponentSocket",
    "ConnectedLiveViewSocket",
    "ConnectedOnlyError",
    "ConsumedUpload",
    "Halt",
    "InfoEvent",
    "JS",
    "LiveComponent",
    "LiveFormMixin",
    "LiveView",
    "LiveViewError",
    "LiveViewSocket",
    "LoginRequiredMixin",
    "PermissionRequiredMixin",
    "S3PresignedPost",
    "StorageWriter",
    "UnconnectedSocket",
    "UploadConfig",
    "UploadConstraints",
    "UploadEntry",
    "UploadError",
    "UploadRejected",
    "UploadWriter",
    "UserPassesTestMixin",
    "abind_form",
    "aclean_form",
    "bind_form",
    "broadcast",
    "broadcast_sync",
    "is_connected",
    "presence",
    "signals",
    "login_required",
    "permission_required",
    "reset_form",
    "save_upload",
    "send_update",
    "send_update_sync",
    "storage_writer",
    "user_passes_test",
]
