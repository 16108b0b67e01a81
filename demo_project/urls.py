from django.contrib import admin
from django.urls import path
from django.views.generic import TemplateView

from demo_project.demos.views import CounterLiveView

urlpatterns = [
    path("", TemplateView.as_view(template_name="demos/index.html"), name="index"),
    path("counter/", CounterLiveView.as_view(), name="counter"),
    path("admin/", admin.site.urls),
]
