from django.urls import include, path

from .views import Stream1000View, Table1000View

urlpatterns = [
    path("stream1000/", Stream1000View.as_view(), name="stream1000"),
    path("table1000/", Table1000View.as_view(), name="table1000"),
    path("", include("demo_project.urls")),  # the feed, and the links of the layout
]
