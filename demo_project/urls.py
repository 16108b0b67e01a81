from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

from demo_project.demos.views import CounterLiveView
from demo_project.demos import (
    accounts, client, lifecycle, navigation, nested, realtime, streams, todos, uploads,
)
from liveview.media import media_urls

urlpatterns = [
    path("", TemplateView.as_view(template_name="demos/index.html"), name="index"),
    path("counter/", CounterLiveView.as_view(), name="counter"),
    path("items/", navigation.ItemsLiveView.as_view(), name="items"),
    path("items/with-message/", navigation.items_with_message, name="items-with-message"),
    path("wizard/", navigation.WizardNameLiveView.as_view(), name="wizard"),
    path("wizard/confirm/", navigation.WizardConfirmLiveView.as_view(), name="wizard-confirm"),
    path("chart/", navigation.ChartLiveView.as_view(), name="chart"),
    path("chat/", realtime.ChatLiveView.as_view(), name="chat"),
    path("clock/", realtime.ClockLiveView.as_view(), name="clock"),
    path("presence/", realtime.PresenceLiveView.as_view(), name="presence"),
    path("feed/", streams.FeedLiveView.as_view(), name="feed"),
    path("board/", streams.BoardLiveView.as_view(), name="board"),
    path("async/", lifecycle.AsyncDashboardLiveView.as_view(), name="async"),
    path("account/", lifecycle.AccountLiveView.as_view(), name="account"),
    path("todos/", todos.TodosLiveView.as_view(), name="todos"),
    path("uploads/photos/", uploads.PhotoUploadLiveView.as_view(), name="upload-photos"),
    path("uploads/documents/", uploads.DocumentUploadLiveView.as_view(),
         name="upload-documents"),
    path("uploads/streamed/", uploads.StreamedUploadLiveView.as_view(), name="upload-streamed"),
    path("uploads/s3/", uploads.S3UploadLiveView.as_view(), name="upload-s3"),
    path("register/", accounts.RegisterLiveView.as_view(), name="register"),
    path("members/", accounts.MembersLiveView.as_view(), name="members"),
    path("accounts/login/", auth_views.LoginView.as_view(next_page="index"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("js/", client.JSCommandsLiveView.as_view(), name="js-commands"),
    path("modal/", client.ModalLiveView.as_view(), name="modal"),
    path("dropdown/", client.DropdownLiveView.as_view(), name="dropdown"),
    path("nested/", nested.DashboardLiveView.as_view(), name="nested"),
    path("nested/other/", nested.OtherLiveView.as_view(), name="nested-other"),
    path("admin/", admin.site.urls),
]
# Uploaded demo files (DEBUG only; a real deployment serves MEDIA_ROOT from its web server,
# with the same headers: never as a page of this origin).
urlpatterns += media_urls()
