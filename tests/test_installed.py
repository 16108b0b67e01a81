""""liveview" missing from INSTALLED_APPS: the first LiveView request says what to do.

The app's system checks cannot report it (they are registered by the app itself), and without
the app the page used to fail with a bare `TemplateDoesNotExist: liveview/layout.html`."""
import pytest
from django.core.exceptions import ImproperlyConfigured

NOT_INSTALLED = r'^"liveview" is not in INSTALLED_APPS.*INSTALLED_APPS = \["daphne", '


def test_a_liveview_page_without_the_app_names_the_fix(settings, client):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "liveview"]
    with pytest.raises(ImproperlyConfigured, match=NOT_INSTALLED):
        client.get("/counter/")


def test_other_pages_are_not_affected(settings, client):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "liveview"]
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_with_the_app_the_page_renders(client):
    assert client.get("/counter/").status_code == 200
