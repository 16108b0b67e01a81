"""A scratch Django project in a temp dir, for running generators and their output in
subprocesses (their own settings, database and URLconf: the suite's stay untouched)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SETTINGS = '''
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "scratch"
DEBUG = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
INSTALLED_APPS = ["daphne", "django.contrib.auth", "django.contrib.contenttypes",
                  "django.contrib.sessions", "django.contrib.messages",
                  "django.contrib.staticfiles", "channels", "liveview", "shop"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.middleware.common.CommonMiddleware",
              "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
ROOT_URLCONF = "scratch.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
              "APP_DIRS": True, "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": BASE_DIR / "db.sqlite3"}}
ASGI_APPLICATION = "scratch.asgi.application"
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
STATIC_URL = "static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
'''

ASGI = '''
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scratch.settings")
from django.core.asgi import get_asgi_application
django_application = get_asgi_application()
from liveview.asgi import liveview_application  # noqa: E402
application = liveview_application(django_application)
'''


class Scratch:
    """`scratch` (the project package) and `shop` (an app made by startapp) in `root`."""

    def __init__(self, root: Path):
        self.root = root
        package = root / "scratch"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "settings.py").write_text(SETTINGS)
        (package / "asgi.py").write_text(ASGI)
        (package / "urls.py").write_text("urlpatterns = []\n")
        self.django("startapp", "shop", settings=False)

    def run(self, *args: str, timeout: float = 120, settings: bool = True
            ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(self.root),
               "DJANGO_SETTINGS_MODULE": "scratch.settings"}
        if not settings:  # startapp: the app is not there yet for the settings to load
            del env["DJANGO_SETTINGS_MODULE"]
        return subprocess.run([sys.executable, *args], cwd=self.root, env=env, text=True,
                              capture_output=True, timeout=timeout)

    def django(self, *args: str, settings: bool = True) -> subprocess.CompletedProcess[str]:
        """`django-admin ARGS`, failing the test with its output if it fails."""
        result = self.run("-m", "django", *args, settings=settings)
        if result.returncode != 0:
            raise AssertionError(f"django-admin {' '.join(args)} failed:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result
