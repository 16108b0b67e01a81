"""A LiveView wrapped in Django's own login_required: the system check warns (liveview.W003)."""
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from liveview import login_required as live_login_required

from .forms_auth_views import PublicView

urlpatterns = [
    path("nested/", include([path("django/", login_required(PublicView.as_view()))])),
    path("live/", live_login_required(PublicView.as_view())),
]
