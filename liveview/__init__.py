"""Phoenix LiveView for Django: server-rendered, real-time pages in Python and templates."""
from .auth import (
    LoginRequiredMixin,
    PermissionRequiredMixin,
    UserPassesTestMixin,
    login_required,
    permission_required,
    user_passes_test,
)
from .core.uploads import UploadConstraints
from .events import InfoEvent
from .forms import LiveFormMixin, abind_form, aclean_form, bind_form
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
    "LiveFormMixin",
    "LiveView",
    "LiveViewSocket",
    "LoginRequiredMixin",
    "PermissionRequiredMixin",
    "UnconnectedSocket",
    "UploadConfig",
    "UploadConstraints",
    "UploadEntry",
    "UploadError",
    "UserPassesTestMixin",
    "abind_form",
    "aclean_form",
    "bind_form",
    "broadcast",
    "broadcast_sync",
    "is_connected",
    "login_required",
    "permission_required",
    "save_upload",
    "user_passes_test",
]
