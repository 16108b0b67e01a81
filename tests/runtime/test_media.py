"""Stored uploads are served as files, never as pages of the site (liveview.media)."""
from __future__ import annotations

import pytest
from django.test import RequestFactory

from liveview.media import media_urls


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.DEBUG = True
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "evil.html").write_text("<script>alert(1)</script>")
    (tmp_path / "docs" / "notes.txt").write_text("<script>alert(1)</script>")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "logo.svg").write_text("<svg onload='alert(1)'/>")
    return tmp_path


@pytest.mark.parametrize("path, content_type, inline", [
    ("docs/evil.html", "text/html", False),
    ("docs/notes.txt", "text/plain", False),
    ("logo.svg", "image/svg+xml", False),
    ("pic.png", "image/png", True),
])
def test_the_demo_serves_uploads_as_downloads_unless_raster_images(media, path, content_type,
                                                                   inline):
    (pattern,) = media_urls()  # what the demo's urls.py adds while DEBUG is on
    response = pattern.callback(RequestFactory().get(f"/media/{path}"), path,
                                **pattern.default_args)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    disposition = response.get("Content-Disposition", "inline")
    assert disposition.startswith("inline" if inline else "attachment;")


def test_media_urls_are_for_debug_only(settings):
    settings.DEBUG = False
    assert media_urls() == []


def test_the_demo_serves_media_with_media_urls():
    import demo_project.urls

    source = open(demo_project.urls.__file__).read()
    assert "urlpatterns += media_urls()" in source
