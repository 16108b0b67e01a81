"""Settings for the demo project (also used by the test suite)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# The demo is never deployed as is; set DJANGO_SECRET_KEY for anything public.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-insecure-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "liveview",
    "demo_project.demos",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "demo_project.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB_PATH", BASE_DIR / "db.sqlite3"),
    }
}

# One process: the in-memory layer. Several processes: set LIVEVIEW_REDIS_URL
# (e.g. redis://127.0.0.1:6379/0) and every process shares groups through Redis.
# LIVEVIEW_REDIS_PREFIX keeps apart several deployments (or test runs) on one Redis;
# LIVEVIEW_REDIS_LAYER=pubsub picks RedisPubSubChannelLayer (see docs/realtime.md).
if os.environ.get("LIVEVIEW_REDIS_URL"):
    _pubsub_layer = os.environ.get("LIVEVIEW_REDIS_LAYER", "core") == "pubsub"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": ("channels_redis.pubsub.RedisPubSubChannelLayer" if _pubsub_layer
                        else "channels_redis.core.RedisChannelLayer"),
            "CONFIG": {"hosts": [os.environ["LIVEVIEW_REDIS_URL"]],
                       "prefix": os.environ.get("LIVEVIEW_REDIS_PREFIX", "asgi")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LIVEVIEW = {"LAYOUT": "demos/layout.html", "TITLE_SUFFIX": " · liveview demos",
            # Tests point this at their own directory to check that no temp file is left.
            "UPLOAD_TEMP_DIR": os.environ.get("LIVEVIEW_UPLOAD_TEMP_DIR") or None,
            # Tests shorten it to see a killed process's users leave within seconds.
            "PRESENCE_HEARTBEAT": float(os.environ.get("LIVEVIEW_PRESENCE_HEARTBEAT") or 5.0)}

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = os.environ.get("DEMO_MEDIA_ROOT") or BASE_DIR / "media"
MEDIA_URL = "media/"
# The direct-to-S3 demo (/uploads/s3/): an S3-compatible store that takes POST uploads and
# allows this site's origin (CORS). Unset keys: the page says how to configure it.
DEMO_S3 = {
    "endpoint_url": os.environ.get("DEMO_S3_ENDPOINT") or None,  # None: AWS itself
    "bucket": os.environ.get("DEMO_S3_BUCKET", "liveview-demo"),
    "region": os.environ.get("DEMO_S3_REGION", "us-east-1"),
    "access_key_id": os.environ.get("DEMO_S3_ACCESS_KEY_ID", ""),
    "secret_access_key": os.environ.get("DEMO_S3_SECRET_ACCESS_KEY", ""),
    # The largest object the signed policy allows (default: the upload's max_file_size).
    "max_file_size": int(os.environ.get("DEMO_S3_POLICY_MAX_BYTES") or 0) or None,
}
LOGIN_URL = "/accounts/login/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # propagate=False: daphne gives the root logger a handler too; each line is printed once.
    "loggers": {"liveview": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
