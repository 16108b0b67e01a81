from django.urls import include, path

from . import lifecycle_views as views

urlpatterns = [
    path("lc/user/", views.AsyncUserView.as_view()),
    path("lc/sync/", views.SyncHandlerAsyncView.as_view()),
    path("lc/dataclass/", views.DataclassAsyncView.as_view()),
    path("lc/hooked/", views.HookedChild.as_view()),
    path("lc/hooked-base/", views.HookedBase.as_view()),
    path("lc/session-hooked/", views.SessionHookedView.as_view()),
    path("lc/bad-halt/", views.BadHaltView.as_view()),
    path("lc/attach/", views.AttachView.as_view()),
    path("lc/late-hooks/", views.LateHooksView.as_view()),
    path("lc/presence/", views.PresenceProbeView.as_view()),
    path("lc/redirect-in-mount/", views.RedirectInMountView.as_view()),
    path("", include("demo_project.urls")),
]
