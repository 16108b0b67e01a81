"""Direct-to-S3 uploads: an `external=` callable that presigns a POST for each entry.

`allow_upload("photo", external=S3PresignedPost(bucket=..., ...))`: at preflight each entry
gets `{"uploader": "S3", "url", "fields", "key", "bucket"}`; the bundle's `S3` client
uploader posts the fields and the file straight to the bucket and reports progress; the view
consumes the same meta (the object's `key`). Signing is `core.s3post` (pure); this module adds
the clock, the object key and the entry's limits. Works with AWS S3 and with S3-compatible
stores that take POST uploads (give `endpoint_url`).
"""
from __future__ import annotations

import posixpath
import secrets
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .core.s3post import S3Credentials, bucket_url, presigned_post
from .uploads import safe_filename

__all__ = ["S3Credentials", "S3PresignedPost"]


class S3PresignedPost:
    """Presigns one POST upload per entry (see the module doc and docs/uploads.md).

    - `key`: `key(entry) -> str`, the object key; by default `<prefix><random>/<file name>`,
      so two users' `photo.jpg` never overwrite each other.
    - `max_file_size`: the largest object the policy allows; by default the upload's own
      `max_file_size`, so the storage enforces the limit the server declared.
    - `expires_in`: seconds the form stays valid (the upload must start by then).
    - `uploader`: the client uploader's name (`"S3"` is in the bundle).
    """

    def __init__(self, *, bucket: str, access_key_id: str, secret_access_key: str,
                 region: str = "us-east-1", endpoint_url: str | None = None,
                 session_token: str | None = None, prefix: str = "uploads/",
                 key: Callable[[Any], str] | None = None, expires_in: int = 3600,
                 max_file_size: int | None = None, uploader: str = "S3"):
        self.bucket, self.region, self.endpoint_url = bucket, region, endpoint_url
        self.credentials = S3Credentials(access_key_id, secret_access_key, session_token)
        self.prefix, self.key, self.expires_in = prefix, key, expires_in
        self.max_file_size, self.uploader = max_file_size, uploader

    def object_key(self, entry: Any) -> str:
        """The key `entry` is stored under."""
        if self.key is not None:
            return self.key(entry)
        return posixpath.join(self.prefix, secrets.token_hex(8), safe_filename(entry.name))

    def __call__(self, entry: Any, socket: Any = None) -> dict[str, Any]:
        key = self.object_key(entry)
        limit = self.max_file_size if self.max_file_size is not None \
            else entry.config.max_file_size
        fields = presigned_post(
            bucket=self.bucket, key=key, region=self.region, credentials=self.credentials,
            now=datetime.now(timezone.utc), expires_in=self.expires_in,
            content_type=entry.content_type or "application/octet-stream",
            max_file_size=limit)
        return {"uploader": self.uploader, "key": key, "bucket": self.bucket,
                "url": bucket_url(self.bucket, self.region, self.endpoint_url),
                "fields": fields}
