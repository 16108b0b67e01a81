"""Upload writers (chunks straight into their destination) and external uploads (the browser
sends the file elsewhere), through the real protocol frames."""
from __future__ import annotations

import asyncio
import re

import pytest
from django.core.files.storage import InMemoryStorage, storages

from liveview import StorageWriter
from liveview.testing import ViewCrashed
from liveview.tokens import sign_upload_token
from liveview.uploads import UploadManager

from .test_uploads import file_entry, input_attrs, joined, leftovers
from .upload_views import WRITER_LOG

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.upload_urls"


@pytest.fixture
def media(settings, tmp_path):
    """The default storage: a FileSystemStorage in a fresh directory."""
    root = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root)}}}
    return root


def stored(media) -> dict[str, bytes]:
    return {str(p.relative_to(media)): p.read_bytes() for p in media.rglob("*") if p.is_file()}


async def eventually(check, tries=50):
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


# Storage writer --------------------------------------------------------------------------------
async def test_chunks_stream_into_the_final_file_and_the_consumer_gets_its_meta(
        client, temp_dir, media):
    up = await joined(client, "/t/up/writer/")
    await up.choose(file_entry("0", "a.txt", size=5))
    tokens = (await up.preflight(file_entry("0", "a.txt", size=5)))["response"]["entries"]
    assert (await up.join("0", tokens["0"]))["status"] == "ok"
    assert (await up.chunk("0", b"hel"))["status"] == "ok"
    assert stored(media) == {"w/a.txt": b"hel"}  # already at its destination
    assert leftovers(temp_dir) == []  # and no temp file at all
    await up.chunk("0", b"lo")
    await up.progress("0", 100)
    assert input_attrs(client.html)["data-phx-done-refs"] == "0"
    await client.submit("save", "")
    assert "<p id='saved'>a.txt=w/a.txt:5</p>" in client.html
    assert stored(media) == {"w/a.txt": b"hello"}
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")


async def test_a_taken_name_gets_a_new_one(client, temp_dir, media):
    (media / "w").mkdir(parents=True)
    (media / "w" / "a.txt").write_bytes(b"old")
    up = await joined(client, "/t/up/writer/")
    tokens = (await up.preflight(file_entry("0", "a.txt", size=2)))["response"]["entries"]
    await up.upload("0", tokens["0"], b"hi")
    await client.submit("save", "")
    files = stored(media)
    assert files.pop("w/a.txt") == b"old" and list(files.values()) == [b"hi"]


async def test_cancel_mid_upload_removes_the_partial_file(client, temp_dir, media):
    up = await joined(client, "/t/up/writer/")
    tokens = (await up.preflight(file_entry("0", size=10)))["response"]["entries"]
    await up.join("0", tokens["0"])
    await up.chunk("0", b"12345")
    assert stored(media) == {"w/a.txt": b"12345"}
    await client.click("cancel-upload", ref="0")
    assert stored(media) == {}
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")


async def test_a_finished_entry_cancelled_unconsumed_is_removed(client, temp_dir, media):
    up = await joined(client, "/t/up/writer/")
    tokens = (await up.preflight(file_entry("0", size=3)))["response"]["entries"]
    await up.upload("0", tokens["0"], b"abc")
    assert stored(media) == {"w/a.txt": b"abc"}
    await client.click("cancel-upload", ref="0")
    assert stored(media) == {}


async def test_leaving_the_channel_mid_way_removes_the_partial_file_and_may_restart(
        client, temp_dir, media):
    up = await joined(client, "/t/up/writer/")
    tokens = (await up.preflight(file_entry("0", size=4)))["response"]["entries"]
    await up.join("0", tokens["0"])
    await up.chunk("0", b"12")
    assert (await client.request("lvu:0", "phx_leave", {}, join_ref="u0"))["status"] == "ok"
    assert stored(media) == {}
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")
    assert (await up.join("0", tokens["0"], join_ref="u0b"))["status"] == "ok"


async def test_disconnect_removes_partial_and_unconsumed_files(make_client, temp_dir, media):
    client = make_client()
    up = await joined(client, "/t/up/writer/")
    tokens = (await up.preflight(file_entry("0", "a.txt", size=10),
                                 file_entry("1", "b.txt", size=3)))["response"]["entries"]
    await up.upload("1", tokens["1"], b"abc")  # done, never consumed
    await up.join("0", tokens["0"])
    await up.chunk("0", b"12345")  # abandoned halfway
    assert stored(media) == {"w/a.txt": b"12345", "w/b.txt": b"abc"}
    await client.close()
    await eventually(lambda: stored(media) == {})


async def test_too_large_removes_the_partial_file_and_the_view_goes_on(client, temp_dir, media):
    up = await joined(client, "/t/up/writer/")
    tokens = (await up.preflight(file_entry("0", size=4)))["response"]["entries"]
    await up.join("0", tokens["0"])
    assert (await up.chunk("0", b"123"))["status"] == "ok"
    reply = await up.chunk("0", b"45678")  # the client lied about the size
    assert reply["response"]["reason"] == "file_size_limit_exceeded"
    await up.expect(lambda f: f[3] == "diff")
    assert "data-code='too_large'" in client.html
    assert stored(media) == {}
    await client.click("click")
    assert "<p id='clicks'>1</p>" in client.html


# A writer of the user's (CallbackWriter) -------------------------------------------------------
async def test_callback_writer_gets_every_chunk_then_done(client, temp_dir):
    WRITER_LOG.clear()
    up = await joined(client, "/t/up/callback-writer/")
    tokens = (await up.preflight(file_entry("0", "cb.txt", size=5)))["response"]["entries"]
    await up.upload("0", tokens["0"], b"hello", chunk_size=2)
    assert WRITER_LOG["cb.txt"] == [b"he", b"ll", b"o", "done"]
    await client.submit("save", "")
    assert "<p id='saved'>cb.txt=up:5</p>" in client.html
    assert leftovers(temp_dir) == []


async def test_a_writer_error_fails_the_entry_closes_the_writer_and_the_view_goes_on(
        client, temp_dir):
    WRITER_LOG.clear()
    up = await joined(client, "/t/up/callback-writer/")
    tokens = (await up.preflight(file_entry("0", "fail.txt", size=6)))["response"]["entries"]
    await up.join("0", tokens["0"])
    assert (await up.chunk("0", b"abc"))["status"] == "ok"
    reply = await up.chunk("0", b"def")
    assert reply == {"status": "error", "response": {"reason": "writer_error"}}
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")
    await up.expect(lambda f: f[3] == "diff")
    assert "data-code='writer_error'>fail.txt: the server could not store the file" \
        in client.html
    assert WRITER_LOG["fail.txt"] == [b"abc", "error"]
    await client.click("click")
    assert "<p id='clicks'>1</p>" in client.html


def test_storage_writer_streams_through_storage_open_for_other_storages():
    storage = InMemoryStorage()
    writer = StorageWriter("d/x.bin", storage=storage)
    writer.write_chunk(b"ab")
    writer.write_chunk(b"cd")
    writer.close("done")
    assert writer.meta() == {"name": "d/x.bin", "size": 4, "storage": None, "content_type": ""}
    with storage.open("d/x.bin") as f:
        assert f.read() == b"abcd"
    writer.close("cancel")  # dropped unconsumed: removed
    assert not storage.exists("d/x.bin")


def test_storage_writer_takes_an_alias(media):
    writer = StorageWriter("y.txt", storage="default")
    writer.write_chunk(b"z")
    writer.close("error")
    assert writer.alias == "default" and not storages["default"].exists("y.txt")


# External uploads ------------------------------------------------------------------------------
async def test_external_preflight_returns_the_meta_and_progress_completes_it(client, temp_dir):
    up = await joined(client, "/t/up/external/")
    await up.choose(file_entry("0", "a.txt", size=5))
    reply = await up.preflight(file_entry("0", "a.txt", size=5))
    assert reply["response"]["entries"] == {"0": {
        "uploader": "Test", "url": "http://127.0.0.1:9/bucket", "key": "k/a.txt",
        "fields": {"n": "5"}}}
    assert input_attrs(client.html)["data-phx-preflighted-refs"] == "0"
    await up.progress("0", 40)
    assert "data-progress='40'" in client.html  # no bytes on the server to hold it back
    await up.progress("0", 100)
    assert input_attrs(client.html)["data-phx-done-refs"] == "0"
    assert "0:40 0:100+" in client.html
    await client.submit("save", "")
    assert "<p id='saved'>a.txt=k/a.txt</p>" in client.html
    assert leftovers(temp_dir) == []


async def test_external_entries_have_no_upload_channel(client, temp_dir):
    up = await joined(client, "/t/up/external/")
    await up.preflight(file_entry("0", size=3))
    # Even a token signed for this very entry opens no channel: the bytes go elsewhere.
    token = sign_upload_token(client.topic[3:], client.join_ref, up.ref, "0")
    assert (await up.join("0", token))["response"] == {"reason": "disallowed"}


async def test_an_external_failure_reported_by_the_browser_is_an_entry_error(client):
    up = await joined(client, "/t/up/external/")
    await up.preflight(file_entry("0", "a.txt", size=5))
    await up.progress("0", 10)
    await up.progress("0", {"error": "EntityTooLarge"})
    assert "data-code='external_client_failure'>a.txt: the upload failed in the browser " \
           "(EntityTooLarge)" in client.html
    assert input_attrs(client.html)["data-phx-error-refs"] == "0"
    await up.progress("0", 100)  # a failed entry stays failed
    assert input_attrs(client.html)["data-phx-done-refs"] == ""


async def test_a_rejected_entry_refuses_a_manual_submit(client):
    up = await joined(client, "/t/up/external/")
    await up.choose(file_entry("0", "a.txt"), file_entry("1", "refuse.txt"))
    reply = await up.preflight(file_entry("0", "a.txt"), file_entry("1", "refuse.txt"))
    assert reply["response"]["error"] == [["1", "quota"]]
    assert "entries" not in reply["response"]  # the client cancels the whole submit
    assert "data-code='quota'>No space left for refuse.txt</i>" in client.html


async def test_a_rejected_entry_of_an_auto_upload_leaves_the_others_going(client):
    up = await joined(client, "/t/up/external-auto/")
    await up.choose(file_entry("0", "a.txt"), file_entry("1", "refuse.txt"))
    reply = await up.preflight(file_entry("0", "a.txt"), file_entry("1", "refuse.txt"))
    assert list(reply["response"]["entries"]) == ["0"]
    assert reply["response"]["errors"] == {"1": ["quota"]}
    await up.progress("0", 100)
    assert input_attrs(client.html)["data-phx-done-refs"] == "0"


async def test_an_external_callable_returning_no_uploader_crashes_only_its_view(
        make_client, caplog):
    client, other = make_client(), make_client()
    up = await joined(client, "/t/up/external/")
    bystander = await joined(other, "/t/up/external/")
    with pytest.raises(ViewCrashed):
        await up.preflight(file_entry("0", "bad.txt"))
    assert "must return a dict with 'uploader'" in caplog.text
    reply = await bystander.preflight(file_entry("0", "a.txt"))
    assert reply["response"]["entries"]["0"]["uploader"] == "Test"


def test_allow_upload_checks_external_and_writer():
    manager = UploadManager()
    with pytest.raises(TypeError, match="external must be a callable"):
        manager.allow("a", external="S3")
    with pytest.raises(ValueError, match="exclude each other"):
        manager.allow("a", external=lambda e, s: {}, writer=lambda n, e, s: None)


async def test_the_test_client_uploads_to_writers_and_reports_external_progress(
        client, temp_dir, media):
    await client.open("/t/up/writer/")
    await client.upload("input[type=file]", "t.txt", b"streamed", "text/plain")
    await client.submit("save", "")
    assert "<p id='saved'>t.txt=w/t.txt:8</p>" in client.html
    assert stored(media) == {"w/t.txt": b"streamed"}

    await client.open("/t/up/external/")
    await client.upload("input[type=file]", "e.txt", b"elsewhere", "text/plain")
    assert client.last_upload_meta["key"] == "k/e.txt"
    assert re.search(r"<p id='log'>\d+:50 \d+:100\+</p>", client.html)
    await client.submit("save", "")
    assert "<p id='saved'>e.txt=k/e.txt</p>" in client.html
