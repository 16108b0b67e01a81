from django.urls import include, path

from .views import FanoutView

urlpatterns = [
    path("fanout/", FanoutView.as_view(), name="fanout"),
    path("", include("demo_project.urls")),  # the layout links to the demo index
]
