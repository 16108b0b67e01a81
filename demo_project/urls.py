from django.contrib import admin
from django.urls import path
from django.views.generic import TemplateView

from demo_project.demos.views import CounterLiveView
from demo_project.demos import navigation, realtime

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
    path("admin/", admin.site.urls),
]
