"""Uploads that skip the temp file, with the official client in Chromium against daphne:
/uploads/s3/ (external: the browser posts each file straight to an S3-compatible store with
the bundle's S3 uploader) and /uploads/streamed/ (an upload writer: chunks go straight into
Django storage)."""
from __future__ import annotations

import hashlib
import os

import boto3
import pytest
from moto.server import ThreadedMotoServer
from playwright.sync_api import expect

from tests.support.s3_post_endpoint import S3PostEndpoint

pytestmark = pytest.mark.browser

ACCESS_KEY, SECRET = "AKIDLIVEVIEWTEST", "liveview-test-secret"
BUCKET = "liveview-uploads"
#: The largest object the demo's policy allows on the checking endpoint (the upload itself
#: allows 5 MB, so only the store can refuse a bigger file).
POLICY_MAX = 100_000
FILE_INPUT = "input[type=file][name=files]"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def noise(size: int, seed: int = 1) -> bytes:
    return hashlib.shake_256(str(seed).encode()).digest(size)


@pytest.fixture(scope="module")
def moto_s3():
    """A local S3-compatible server (moto) with the bucket, CORS allowing browser POSTs."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedMethods": ["POST"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]}]})
    yield url, client
    server.stop()


@pytest.fixture(scope="module")
def checking_s3():
    """The endpoint that checks signatures and policies as S3 does."""
    endpoint = S3PostEndpoint(ACCESS_KEY, SECRET).start()
    yield endpoint
    endpoint.stop()


def demo_server(server_pool, upload_dirs, endpoint: str, **extra):
    env = {"DEMO_MEDIA_ROOT": upload_dirs["media"], "LIVEVIEW_UPLOAD_TEMP_DIR": upload_dirs["temp"],
           "DEMO_S3_ENDPOINT": endpoint, "DEMO_S3_BUCKET": BUCKET,
           "DEMO_S3_ACCESS_KEY_ID": ACCESS_KEY, "DEMO_S3_SECRET_ACCESS_KEY": SECRET}
    return server_pool("daphne", **{**env, **extra})


@pytest.fixture
def files(tmp_path):
    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


# Direct to S3 ---------------------------------------------------------------------------------
def test_the_browser_posts_the_file_to_s3_and_the_view_gets_the_key(
        server_pool, upload_dirs, moto_s3, open_live, page, files):
    url, s3 = moto_s3
    server = demo_server(server_pool, upload_dirs, url)
    page = open_live(server.url + "/uploads/s3/")
    data = noise(300_000)  # big enough for the browser to report progress on the way
    page.set_input_files(FILE_INPUT, files("report.bin", data))

    uploaded = page.locator("#uploaded li.uploaded[data-name='report.bin']")
    expect(uploaded).to_have_count(1)
    key = uploaded.get_attribute("data-key")
    assert key.startswith("demo/") and key.endswith("/report.bin")
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert sha256(stored["Body"].read()) == sha256(data)
    assert stored["ContentType"] == "application/octet-stream"
    expect(page.locator("li.entry")).to_have_count(0)  # consumed at 100
    assert os.listdir(upload_dirs["temp"]) == []  # nothing went through the server


def test_the_signed_policy_is_accepted_by_a_checking_store(
        server_pool, upload_dirs, checking_s3, open_live, page, files):
    server = demo_server(server_pool, upload_dirs, checking_s3.url,
                         DEMO_S3_POLICY_MAX_BYTES=POLICY_MAX)
    page = open_live(server.url + "/uploads/s3/")
    data = noise(50_000, seed=2)
    page.set_input_files(FILE_INPUT, files("ok.txt", data))
    uploaded = page.locator("#uploaded li.uploaded[data-name='ok.txt']")
    expect(uploaded).to_have_count(1)
    assert checking_s3.objects[(BUCKET, uploaded.get_attribute("data-key"))] == data


def test_a_file_over_the_policy_size_is_refused_by_the_store_and_shown(
        server_pool, upload_dirs, checking_s3, open_live, page, files, browser_log):
    browser_log.allow(r"Failed to load resource: the server responded with a status of 400")
    server = demo_server(server_pool, upload_dirs, checking_s3.url,
                         DEMO_S3_POLICY_MAX_BYTES=POLICY_MAX)
    page = open_live(server.url + "/uploads/s3/")
    page.set_input_files(FILE_INPUT, files("big.bin", noise(POLICY_MAX + 1, seed=3)))
    error = page.locator("li.entry[data-name='big.bin'] .upload-error")
    expect(error).to_have_attribute("data-code", "external_client_failure")
    expect(error).to_contain_text("big.bin: the upload failed in the browser (EntityTooLarge)")
    expect(page.locator("#uploaded li.uploaded")).to_have_count(0)
    assert "EntityTooLarge" in checking_s3.refusals


def test_a_form_signed_with_another_secret_is_refused_and_shown(
        server_pool, upload_dirs, checking_s3, open_live, page, files, browser_log):
    browser_log.allow(r"Failed to load resource: the server responded with a status of 403")
    server = demo_server(server_pool, upload_dirs, checking_s3.url,
                         DEMO_S3_SECRET_ACCESS_KEY="not-the-secret")
    page = open_live(server.url + "/uploads/s3/")
    page.set_input_files(FILE_INPUT, files("x.txt", b"some bytes"))
    error = page.locator("li.entry[data-name='x.txt'] .upload-error")
    expect(error).to_contain_text("(SignatureDoesNotMatch)")
    # The view goes on: another file after cancelling this one is signed afresh.
    page.click("button[aria-label='Cancel x.txt']")
    expect(page.locator("li.entry")).to_have_count(0)


# Streamed into storage (upload writer) ---------------------------------------------------------
def test_a_streamed_upload_lands_in_storage_without_a_temp_file(
        server_pool, upload_dirs, checking_s3, open_live, page, files):
    server = demo_server(server_pool, upload_dirs, checking_s3.url)
    page = open_live(server.url + "/uploads/streamed/")
    data = noise(400_000, seed=4)  # seven chunks
    page.set_input_files(FILE_INPUT, files("stream.bin", data))
    saved = page.locator("#saved li.saved")
    expect(saved).to_have_count(1)
    expect(saved).to_have_attribute("data-sha256", sha256(data))
    name = saved.get_attribute("data-name")
    assert name.startswith("streamed/stream")
    assert sha256((upload_dirs["media"] / name).read_bytes()) == sha256(data)
    assert os.listdir(upload_dirs["temp"]) == []
