from django.urls import include, path

from . import upload_views

urlpatterns = [
    path("t/up/manual/", upload_views.ManualUploadView.as_view()),
    path("t/up/auto/", upload_views.AutoUploadView.as_view()),
    path("t/up/navigate/", upload_views.NavigateWhenDoneView.as_view()),
    path("t/up/big/", upload_views.BigUploadView.as_view()),
    path("t/up/big-writer/", upload_views.BigWriterUploadView.as_view()),
    path("t/up/unconnected/", upload_views.UnconnectedUploadView.as_view()),
    path("t/up/writer/", upload_views.StorageWriterView.as_view()),
    path("t/up/callback-writer/", upload_views.CallbackWriterView.as_view()),
    path("t/up/external/", upload_views.ExternalUploadView.as_view()),
    path("t/up/external-auto/", upload_views.AutoExternalUploadView.as_view()),
    path("", include("demo_project.urls")),
]
