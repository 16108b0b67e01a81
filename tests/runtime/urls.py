from django.http import HttpResponse
from django.urls import include, path

from . import views

urlpatterns = [
    path("t/echo/", views.EchoView.as_view(), name="echo"),
    path("t/task/", views.TaskView.as_view(), name="task"),
    path("t/slow-goodbye/", views.SlowGoodbyeView.as_view()),
    path("t/other/<int:pk>/", views.OtherView.as_view(), name="other"),
    path("t/isolated/", views.IsolatedView.as_view(), name="isolated"),
    path("t/form/", views.FormView.as_view(), name="form"),
    path("t/cart/", views.DataclassView.as_view(), name="cart"),
    path("t/sync/", views.SyncView.as_view(), name="sync"),
    path("t/misuse/", views.ConnectedOnlyInMountView.as_view()),
    path("t/guarded/", views.GuardedView.as_view()),
    path("t/mount-redirect/", views.MountRedirectView.as_view()),
    path("t/plain/", lambda request: HttpResponse("plain")),
    path("t/nested/", views.NestedHostView.as_view()),
    path("t/static-handler/", views.StaticHandlerView.as_view()),
    path("t/instance-handler/", views.InstanceHandlerView.as_view()),
    path("", include("demo_project.urls")),
]
