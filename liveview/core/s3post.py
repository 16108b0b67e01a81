"""S3 presigned POST (browser form upload) with AWS Signature Version 4, pure.

A presigned POST is a set of form fields the browser sends with the file, straight to the
bucket: a base64 JSON *policy* (what the upload may be: bucket, exact key, content type, size
range, expiry) and its HMAC-SHA256 signature under a key derived from the secret. The storage
checks the policy before it accepts a byte, so the browser cannot change the key, exceed the
size or upload after expiry. No I/O here: the caller passes the time and the credentials.
S3-compatible stores (MinIO, Ceph, ...) accept the same fields.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
#: S3 refuses a POST policy valid for more than 7 days.
MAX_EXPIRES_IN = 7 * 24 * 3600


@dataclass(frozen=True)
class S3Credentials:
    """An access key pair (and the session token of temporary credentials)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"S3Credentials(access_key_id={self.access_key_id!r}, secret_access_key=***)"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_access_key: str, date: str, region: str, service: str = SERVICE) -> bytes:
    """The SigV4 key for one day, region and service (`date` is YYYYMMDD)."""
    key = _hmac(("AWS4" + secret_access_key).encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def sign_policy(policy_b64: str, secret_access_key: str, date: str, region: str) -> str:
    """The hex signature of a base64 policy (the `x-amz-signature` field)."""
    return hmac.new(signing_key(secret_access_key, date, region), policy_b64.encode("ascii"),
                    hashlib.sha256).hexdigest()


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("presigned_post: now must be timezone-aware (UTC)")
    return now.astimezone(timezone.utc)


def presigned_post(*, bucket: str, key: str, region: str, credentials: S3Credentials,
                   now: datetime, expires_in: int = 3600, content_type: str | None = None,
                   max_file_size: int | None = None, min_file_size: int = 0,
                   fields: Mapping[str, str] | None = None,
                   conditions: Sequence[Any] = ()) -> dict[str, str]:
    """The form fields of a POST upload of one object `key` to `bucket`.

    The policy allows exactly this key, `content_type` when given, a size within
    [`min_file_size`, `max_file_size`] when a maximum is given, and expires `expires_in`
    seconds after `now`. `fields` are extra form fields (each is also made an exact condition
    of the policy, as S3 requires every field to be covered); `conditions` are added as they
    are (e.g. `["starts-with", "$Content-Disposition", ""]`). The browser sends the fields
    first and the file last, under the field name `file`.
    """
    if not bucket or not key or not region:
        raise ValueError("presigned_post: bucket, key and region must be non-empty")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) \
            or not 0 < expires_in <= MAX_EXPIRES_IN:
        raise ValueError(f"presigned_post: expires_in must be 1..{MAX_EXPIRES_IN} seconds, "
                         f"got {expires_in!r}")
    now = _utc(now)
    date, stamp = now.strftime("%Y%m%d"), now.strftime("%Y%m%dT%H%M%SZ")
    credential = f"{credentials.access_key_id}/{date}/{region}/{SERVICE}/aws4_request"

    out: dict[str, str] = {}
    policy_conditions: list[Any] = []
    if content_type is not None:
        out["Content-Type"] = content_type
        policy_conditions.append({"Content-Type": content_type})
    for name, value in (fields or {}).items():
        out[name] = value
        policy_conditions.append({name: value})
    if max_file_size is not None:
        if min_file_size < 0 or max_file_size < min_file_size:
            raise ValueError(f"presigned_post: bad size range {min_file_size}..{max_file_size}")
        policy_conditions.append(["content-length-range", min_file_size, max_file_size])
    policy_conditions.extend(conditions)
    # The order of botocore's generate_presigned_post, so its output can vouch for ours.
    policy_conditions += [{"bucket": bucket}, {"key": key}, {"x-amz-algorithm": ALGORITHM},
                          {"x-amz-credential": credential}, {"x-amz-date": stamp}]
    out.update({"key": key, "x-amz-algorithm": ALGORITHM, "x-amz-credential": credential,
                "x-amz-date": stamp})
    if credentials.session_token:
        out["x-amz-security-token"] = credentials.session_token
        policy_conditions.append({"x-amz-security-token": credentials.session_token})

    expiration = (now + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = {"expiration": expiration, "conditions": policy_conditions}
    out["policy"] = base64.b64encode(json.dumps(policy).encode("utf-8")).decode("ascii")
    out["x-amz-signature"] = sign_policy(out["policy"], credentials.secret_access_key, date,
                                         region)
    return out


def bucket_url(bucket: str, region: str, endpoint_url: str | None = None) -> str:
    """Where the form posts: `endpoint_url/bucket` (path style, S3-compatible stores and
    local servers) or AWS's virtual-hosted `https://bucket.s3.region.amazonaws.com`."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}"
    return f"https://{bucket}.s3.{region}.amazonaws.com"
