from django.urls import include, path

from .views import FanoutNestedView, FanoutView

urlpatterns = [
    path("fanout/", FanoutView.as_view(), name="fanout"),
    path("fanout-nested/", FanoutNestedView.as_view(), name="fanout-nested"),
    path("", include("demo_project.urls")),  # the layout links to the demo index
]
