"""Serving stored uploads without letting them run as pages of your site.

A file a user uploaded and another user opens from your origin must never be taken for HTML
(or SVG, or anything else a browser runs): its type comes from the stored name, browsers are
told not to sniff, anything but a raster image is sent as a download, and a sandbox CSP covers
the rest. `media_urls()` serves MEDIA_ROOT so while DEBUG is on (as `static()` does); in
production give your web server the same headers (docs/uploads.md, "Serving stored files").
"""
from __future__ import annotations

import mimetypes
import posixpath
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, re_path
from django.views.static import serve

#: Types shown inline; everything else is an attachment. No SVG: it can carry script.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"})


def safe_file_headers(response: HttpResponseBase, name: str) -> HttpResponseBase:
    """Set the headers that keep a stored file from running as a page; returns `response`."""
    content_type = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if content_type not in INLINE_TYPES:
        filename = re.sub(r'[^A-Za-z0-9._-]', "_", posixpath.basename(name)) or "download"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def serve_media(request: HttpRequest, path: str, document_root: Any = None) -> HttpResponseBase:
    """`django.views.static.serve` for uploaded files, with `safe_file_headers`."""
    response = serve(request, path, document_root=str(document_root or settings.MEDIA_ROOT))
    return safe_file_headers(response, path)


def media_urls(prefix: str | None = None, document_root: Any = None) -> list[URLPattern]:
    """URL patterns serving MEDIA_ROOT under MEDIA_URL with `serve_media`, while DEBUG is on
    (as `django.conf.urls.static.static`); none otherwise."""
    prefix = (prefix if prefix is not None else settings.MEDIA_URL).lstrip("/")
    if not settings.DEBUG or not prefix or "://" in prefix:
        return []
    return [re_path(rf"^{re.escape(prefix)}(?P<path>.*)$", serve_media,
                    {"document_root": document_root or settings.MEDIA_ROOT})]
