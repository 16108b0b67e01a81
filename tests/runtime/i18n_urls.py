from django.urls import include, path

from . import i18n_views as views

urlpatterns = [
    path("i18n/", views.LanguageView.as_view()),
    path("", include("demo_project.urls")),
]
