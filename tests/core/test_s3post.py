"""The S3 presigned POST signer: AWS's published signing-key vector, and field-for-field
agreement with botocore's own generate_presigned_post (an independent implementation)."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from liveview.core.s3post import (
    S3Credentials,
    bucket_url,
    presigned_post,
    sign_policy,
    signing_key,
)

NOW = datetime(2026, 12, 2, 8, 30, 15, tzinfo=timezone.utc)
CREDS = S3Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def test_signing_key_matches_the_aws_documented_vector():
    # AWS SigV4 docs, "deriving the signing key": secret, 20120215, us-east-1, iam.
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1",
                      "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


@pytest.mark.parametrize("token", [None, "FQoGZXIvYXdzEXAMPLETOKEN"])
def test_fields_equal_botocores_for_the_same_time_and_conditions(monkeypatch, token):
    import boto3
    import botocore.auth
    import botocore.signers

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    monkeypatch.setattr(botocore.signers, "get_current_datetime",
                        lambda: NOW.replace(tzinfo=None))
    client = boto3.client("s3", region_name="eu-west-3", aws_access_key_id=CREDS.access_key_id,
                          aws_secret_access_key=CREDS.secret_access_key,
                          aws_session_token=token)
    theirs = client.generate_presigned_post(
        "my-bucket", "uploads/ab12/photo.png", Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 0, 5_000_000]],
        ExpiresIn=900)
    ours = presigned_post(bucket="my-bucket", key="uploads/ab12/photo.png", region="eu-west-3",
                          credentials=S3Credentials(CREDS.access_key_id,
                                                    CREDS.secret_access_key, token),
                          now=NOW, expires_in=900, content_type="image/png",
                          max_file_size=5_000_000)
    assert ours == theirs["fields"]
    assert ours["x-amz-date"] == "20261202T083015Z"
    assert ours["x-amz-credential"] == "AKIDEXAMPLE/20261202/eu-west-3/s3/aws4_request"


def test_the_policy_pins_key_type_size_and_expiry():
    fields = presigned_post(bucket="b", key="k/x.txt", region="us-east-1", credentials=CREDS,
                            now=NOW, expires_in=60, content_type="text/plain",
                            max_file_size=10, fields={"success_action_status": "201"})
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert policy["expiration"] == "2026-12-02T08:31:15Z"
    assert {"key": "k/x.txt"} in policy["conditions"]
    assert {"bucket": "b"} in policy["conditions"]
    assert {"Content-Type": "text/plain"} in policy["conditions"]
    assert {"success_action_status": "201"} in policy["conditions"]
    assert ["content-length-range", 0, 10] in policy["conditions"]
    assert fields["x-amz-signature"] == sign_policy(fields["policy"], CREDS.secret_access_key,
                                                    "20261202", "us-east-1")
    # Any change to the policy changes the signature the storage recomputes.
    assert sign_policy(fields["policy"] + "=", CREDS.secret_access_key, "20261202",
                       "us-east-1") != fields["x-amz-signature"]


@pytest.mark.parametrize("kwargs, match", [
    ({"expires_in": 0}, "expires_in"),
    ({"expires_in": 8 * 24 * 3600}, "expires_in"),
    ({"bucket": ""}, "non-empty"),
    ({"max_file_size": 5, "min_file_size": 6}, "size range"),
    ({"now": datetime(2026, 1, 1)}, "timezone-aware"),
])
def test_bad_arguments_are_refused(kwargs, match):
    args = {"bucket": "b", "key": "k", "region": "r", "credentials": CREDS, "now": NOW}
    with pytest.raises(ValueError, match=match):
        presigned_post(**{**args, **kwargs})


def test_urls_and_the_secret_stays_out_of_repr():
    assert bucket_url("b", "eu-west-1") == "https://b.s3.eu-west-1.amazonaws.com"
    assert bucket_url("b", "x", "http://127.0.0.1:9000/") == "http://127.0.0.1:9000/b"
    assert "EXAMPLEKEY" not in repr(CREDS)
