"""Uploads through the real protocol: change events, preflight, lvu: joins, binary chunks
(built as the client does), progress, consuming, limits, tokens and temp-file cleanup."""
from __future__ import annotations

import asyncio
import os
import re

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateSyntaxError, engines

from liveview.testing import LiveViewTestClient
from liveview.tokens import UPLOAD_SALT
from liveview.uploads import UploadManager, save_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.runtime.upload_urls"


def leftovers(temp_dir) -> list[str]:
    return os.listdir(temp_dir) if temp_dir.exists() else []


# Frames ----------------------------------------------------------------------------------------
def binary_frame(join_ref: str, ref: str, topic: str, event: str, data: bytes) -> bytes:
    """A client push as serializer.js:binaryEncode builds it (kind 0, four lengths, fields)."""
    fields = [join_ref.encode(), ref.encode(), topic.encode(), event.encode()]
    return bytes([0, *(len(f) for f in fields)]) + b"".join(fields) + data


def test_binary_frame_matches_the_observed_example():
    assert len(binary_frame("12", "13", "lvu:0", "chunk", b"abcd")) == 23


def file_entry(ref="0", name="a.txt", size=5, type="text/plain"):
    return {"path": "up", "ref": ref, "last_modified": 1, "name": name, "type": type,
            "size": size}


def input_attrs(html: str) -> dict[str, str | None]:
    tag = re.search(r"<input [^>]*>", html).group(0)
    return {m[1]: m[2] for m in re.finditer(r'([\w-]+)(?:="([^"]*)")?', tag[7:-1])}


class Uploader:
    """The browser's side of uploads, frame by frame."""

    def __init__(self, client: LiveViewTestClient):
        self.client = client
        self.ref = input_attrs(client.html)["id"]
        #: Every frame received (requests skip the frames they do not wait for).
        self.frames: list[list] = []
        receive = client.receive

        async def recording_receive(timeout=None):
            frame = await receive(timeout)
            self.frames.append(frame)
            return frame

        client.receive = recording_receive

    async def expect(self, predicate, limit=20):
        """The first frame received so far, or soon, that matches (taken off the record)."""
        for _ in range(limit):
            for frame in self.frames:
                if predicate(frame):
                    self.frames.remove(frame)
                    return frame
            await self.client.receive()
        raise AssertionError(f"expected frame not received; got {self.frames}")

    async def choose(self, *entries, event="validate"):
        return await self.client.event(event, "", type="form", meta={"_target": "up"},
                                       uploads={self.ref: list(entries)})

    async def preflight(self, *entries):
        reply = await self.client.request(self.client.topic, "allow_upload",
                                          {"ref": self.ref, "entries": list(entries)})
        if "diff" in reply["response"]:
            self.client._apply(reply["response"]["diff"])
        return reply

    async def join(self, entry_ref, token, join_ref=None):
        return await self.client.request(f"lvu:{entry_ref}", "phx_join", {"token": token},
                                         join_ref=join_ref or f"u{entry_ref}")

    async def chunk(self, entry_ref, data, join_ref=None):
        ref = self.client.next_ref()
        topic = f"lvu:{entry_ref}"
        await self.client.communicator.send_to(
            bytes_data=binary_frame(join_ref or f"u{entry_ref}", ref, topic, "chunk", data))
        while True:
            frame = await self.client.receive()
            if frame[3] == "phx_reply" and frame[1] == ref:
                return frame[4]

    async def progress(self, entry_ref, progress):
        reply = await self.client.request(self.client.topic, "progress",
                                          {"event": None, "ref": self.ref,
                                           "entry_ref": entry_ref, "progress": progress})
        if "diff" in reply["response"]:
            self.client._apply(reply["response"]["diff"])
        return reply

    async def upload(self, entry_ref, token, data, chunk_size=3):
        assert (await self.join(entry_ref, token))["status"] == "ok"
        for start in range(0, len(data), chunk_size):
            assert (await self.chunk(entry_ref, data[start:start + chunk_size])) == \
                {"status": "ok", "response": {}}
        return await self.progress(entry_ref, 100)


async def joined(client, path):
    await client.open(path)
    return Uploader(client)


# Markup ----------------------------------------------------------------------------------------
async def test_first_render_has_the_input_with_every_attribute(client):
    html = await client.get("/t/up/manual/")
    attrs = input_attrs(html)
    assert attrs["id"].startswith("phx-") and attrs["data-phx-upload-ref"] == attrs["id"]
    assert attrs["type"] == "file" and attrs["name"] == "up" and attrs["accept"] == ".txt"
    assert attrs["data-phx-hook"] == "Phoenix.LiveFileUpload"
    for name in ("data-phx-active-refs", "data-phx-done-refs", "data-phx-preflighted-refs"):
        assert attrs[name] == ""
    assert "multiple" in attrs
    assert "data-phx-error-refs" not in attrs and "data-phx-auto-upload" not in attrs


async def test_auto_upload_attribute_and_unconnected_socket(client):
    html = await client.get("/t/up/auto/")
    assert "data-phx-auto-upload" in input_attrs(html)
    html = await client.get("/t/up/unconnected/")
    attrs = input_attrs(html)
    assert attrs["accept"] == "image/*" and attrs["accept-x"] == "1" and "multiple" in attrs
    assert "http consume=None" in html


# Selection and preflight -----------------------------------------------------------------------
async def test_change_registers_files_before_handle_event_and_renders_active_refs(client):
    up = await joined(client, "/t/up/manual/")
    await up.choose(file_entry("0", "a.txt"), file_entry("1", "b.txt"))
    assert "<p id='seen'>a.txt,b.txt</p>" in client.html
    attrs = input_attrs(client.html)
    assert attrs["data-phx-active-refs"] == "0,1"
    assert attrs["data-phx-preflighted-refs"] == "" and "data-phx-error-refs" not in attrs


async def test_invalid_files_get_codes_messages_and_error_refs(client):
    up = await joined(client, "/t/up/manual/")
    await up.choose(file_entry("0", "big.txt", size=101), file_entry("1", "pic.png"),
                    file_entry("2", "c.txt"))
    html = client.html
    assert "data-code='too_large'>big.txt: file is too large (101 bytes); the limit is 100 " \
           "bytes</i>" in html
    assert "data-code='not_accepted'>pic.png: file type not accepted; accepted: .txt" in html
    assert "data-code='too_many_files'>Too many files: at most 2 files can be uploaded" in html
    assert input_attrs(html)["data-phx-error-refs"] == f"{up.ref},0,1"


async def test_manual_preflight_with_errors_refuses_the_whole_submit(client):
    up = await joined(client, "/t/up/manual/")
    entries = [file_entry(str(i), f"{i}.txt") for i in range(3)]
    reply = await up.preflight(*entries)
    assert reply["status"] == "ok"
    assert reply["response"]["ref"] == up.ref
    assert reply["response"]["error"] == [[up.ref, "too_many_files"]]
    assert "entries" not in reply["response"]
    assert input_attrs(client.html)["data-phx-preflighted-refs"] == ""


async def test_preflight_gives_tokens_config_and_renders_preflighted_refs(client):
    up = await joined(client, "/t/up/manual/")
    await up.choose(file_entry("0"), file_entry("1"))
    reply = await up.preflight(file_entry("0"), file_entry("1"))
    response = reply["response"]
    assert response["config"] == {"chunk_size": 64000, "chunk_timeout": 10000,
                                  "max_entries": 2, "max_file_size": 100}
    assert sorted(response["entries"]) == ["0", "1"]
    assert all(isinstance(t, str) and t for t in response["entries"].values())
    assert input_attrs(client.html)["data-phx-preflighted-refs"] == "0,1"


async def test_auto_preflight_tokens_only_for_valid_entries(client):
    up = await joined(client, "/t/up/auto/")
    reply = await up.preflight(file_entry("0"), file_entry("1", "x.png"))
    assert list(reply["response"]["entries"]) == ["0"]
    assert reply["response"]["errors"] == {"1": ["not_accepted"]}


async def test_preflight_for_unknown_upload_is_refused_cleanly(client):
    up = await joined(client, "/t/up/manual/")
    up.ref = "phx-nope"
    reply = await up.preflight(file_entry("0"))
    assert reply["response"] == {"ref": "phx-nope", "error": [["phx-nope", "disallowed"]]}
    up.ref = input_attrs(client.html)["id"]
    reply = await up.preflight({"ref": "0", "name": "a", "size": -5})
    assert reply == {"status": "error", "response": {"reason": "invalid upload entries"}}


# Uploading -------------------------------------------------------------------------------------
async def test_manual_upload_chunks_progress_and_consume_on_submit(client, temp_dir):
    up = await joined(client, "/t/up/manual/")
    await up.choose(file_entry("0", "a.txt", size=5))
    tokens = (await up.preflight(file_entry("0", "a.txt", size=5)))["response"]["entries"]
    assert (await up.join("0", tokens["0"]))["status"] == "ok"
    assert len(leftovers(temp_dir)) == 1  # streaming to disk
    assert await up.chunk("0", b"hel") == {"status": "ok", "response": {}}
    await up.progress("0", 60)
    assert "data-progress='60'" in client.html
    assert await up.chunk("0", b"lo") == {"status": "ok", "response": {}}
    await up.progress("0", 100)
    assert input_attrs(client.html)["data-phx-done-refs"] == "0"
    assert "0:60 0:100+" in client.html  # the progress callback saw each step
    await client.submit("save", "")
    assert "<p id='saved'>a.txt=hello</p>" in client.html
    assert leftovers(temp_dir) == []
    assert input_attrs(client.html)["data-phx-active-refs"] == ""
    # The consumed entry's channel is closed by the server.
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")


async def test_navigation_from_a_progress_callback_answers_the_progress_request(client,
                                                                               temp_dir):
    up = await joined(client, "/t/up/navigate/")
    await up.choose(file_entry("0", "a.txt", size=5))
    tokens = (await up.preflight(file_entry("0", "a.txt", size=5)))["response"]["entries"]
    reply = await up.upload("0", tokens["0"], b"hello")
    assert reply == {"status": "ok", "response": {"live_redirect": {
        "to": "/t/up/manual/", "kind": "push"}}}
    await up.expect(lambda f: f[2] == client.topic and f[3] == "phx_close")
    assert leftovers(temp_dir) == []  # consumed by the callback, then the view ended


async def test_auto_upload_consumed_by_progress_callback(client, temp_dir):
    up = await joined(client, "/t/up/auto/")
    await up.choose(file_entry("0", "a.txt", size=7))
    tokens = (await up.preflight(file_entry("0", "a.txt", size=7)))["response"]["entries"]
    await up.upload("0", tokens["0"], b"1234567")
    assert "a.txt:7:8bb0cf6e" in client.html  # sha256("1234567")
    assert leftovers(temp_dir) == []


async def test_progress_never_runs_ahead_of_received_bytes(client, temp_dir):
    up = await joined(client, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0", size=10)))["response"]["entries"]
    await up.join("0", tokens["0"])
    await up.chunk("0", b"12")
    await up.progress("0", 90)
    assert "data-progress='20'" in client.html
    await up.progress("0", 100)  # 2 of 10 bytes: not done
    assert "data-code='incomplete'" in client.html
    assert input_attrs(client.html)["data-phx-done-refs"] == ""
    assert leftovers(temp_dir) == []


async def test_size_limit_is_enforced_on_received_bytes(client, temp_dir):
    up = await joined(client, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0", size=4)))["response"]["entries"]
    await up.join("0", tokens["0"])
    assert (await up.chunk("0", b"123"))["status"] == "ok"
    reply = await up.chunk("0", b"45678")  # the client lied about the size
    assert reply == {"status": "error",
                     "response": {"reason": "file_size_limit_exceeded", "limit": 4}}
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")
    await up.expect(lambda f: f[3] == "diff")
    assert "data-code='too_large'" in client.html
    assert leftovers(temp_dir) == []
    # Chunks after the cut-off reach no channel.
    assert (await up.chunk("0", b"x"))["response"] == {"reason": "unmatched topic"}


async def test_cancel_mid_upload_closes_the_channel_and_deletes_the_data(client, temp_dir):
    up = await joined(client, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0", size=10)))["response"]["entries"]
    await up.join("0", tokens["0"])
    await up.chunk("0", b"12345")
    await client.click("cancel-upload", ref="0")
    assert "id='e0'" not in client.html
    await up.expect(lambda f: f[2] == "lvu:0" and f[3] == "phx_close")
    assert leftovers(temp_dir) == []
    assert (await up.chunk("0", b"678"))["status"] == "error"
    assert (await up.progress("0", 100)) == {"status": "ok", "response": {}}  # entry gone


async def test_client_error_and_leave_on_lvu_leave_the_view_running(client, temp_dir):
    up = await joined(client, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0", size=10)))["response"]["entries"]
    await up.join("0", tokens["0"])
    await up.chunk("0", b"123")
    assert (await client.request("lvu:0", "phx_leave", {}, join_ref="u0"))["status"] == "ok"
    await up.progress("0", {"error": "failed"})
    assert "data-code='external_client_failure'" in client.html
    await client.click("click")
    assert "<p id='clicks'>1</p>" in client.html
    assert leftovers(temp_dir) == []


async def test_clicks_are_answered_while_a_file_streams(client, temp_dir):
    up = await joined(client, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0", size=10)))["response"]["entries"]
    await up.join("0", tokens["0"])
    for _ in range(5):
        await up.chunk("0", b"12")
        await client.click("click")
    assert "<p id='clicks'>5</p>" in client.html
    await up.progress("0", 100)
    assert input_attrs(client.html)["data-phx-done-refs"] == "0"


async def test_disconnect_removes_every_temp_file(make_client, temp_dir):
    client = make_client()
    up = await joined(client, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0", size=10), file_entry("1", size=3)))
    tokens = tokens["response"]["entries"]
    await up.upload("1", tokens["1"], b"abc")  # done, never consumed
    await up.join("0", tokens["0"])
    await up.chunk("0", b"12345")  # abandoned halfway
    assert len(leftovers(temp_dir)) == 2
    await client.close()
    for _ in range(50):
        if not leftovers(temp_dir):
            break
        await asyncio.sleep(0.02)
    assert leftovers(temp_dir) == []


# Tokens ----------------------------------------------------------------------------------------
async def test_upload_tokens_are_checked(make_client, temp_dir):
    client, other = make_client(), make_client()
    up = await joined(client, "/t/up/manual/")
    other_up = await joined(other, "/t/up/manual/")
    tokens = (await up.preflight(file_entry("0"), file_entry("1")))["response"]["entries"]

    async def reason(uploader, entry_ref, token, join_ref=None):
        reply = await uploader.join(entry_ref, token, join_ref)
        assert reply["status"] == "error"
        return reply["response"]["reason"]

    assert await reason(up, "0", tokens["0"][:-2] + "xx") == "invalid_token"
    assert await reason(up, "0", None) == "invalid_token"
    assert await reason(up, "1", tokens["0"]) == "invalid_token"  # another entry's token
    assert await reason(other_up, "0", tokens["0"]) == "invalid_token"  # another socket
    # Signed correctly but for an entry that was never preflighted.
    forged = signing.dumps({"v": client.view_id, "j": client.join_ref, "u": up.ref, "e": "7",
                            "c": None}, salt=UPLOAD_SALT, compress=False)
    assert await reason(up, "7", forged) == "disallowed"
    assert (await up.join("0", tokens["0"]))["status"] == "ok"
    assert await reason(up, "0", tokens["0"], join_ref="again") == "already_registered"
    await client.close()
    await other.close()


# API -------------------------------------------------------------------------------------------
def test_allow_upload_validates_its_arguments(settings):
    manager = UploadManager()
    with pytest.raises(ValueError, match="name must be a non-empty str"):
        manager.allow("")
    with pytest.raises(ValueError, match=r"max_file_size must be a positive int, got -1"):
        manager.allow("a", {"max_file_size": -1})
    with pytest.raises(ValueError, match=r"allow_upload\('a'\): unknown constraint 'size'"):
        manager.allow("a", {"size": 1})
    with pytest.raises(TypeError, match="progress must be a callable"):
        manager.allow("a", progress="nope")
    with pytest.raises(TypeError, match="auto_upload must be True or False"):
        manager.allow("a", auto_upload="yes")
    settings.LIVEVIEW = {**settings.LIVEVIEW, "MAX_FRAME_BYTES": 65_000}
    with pytest.raises(ImproperlyConfigured, match=r"chunk_size 64000 plus the frame header "
                                                   r"\(1025\) exceeds LIVEVIEW "
                                                   r"MAX_FRAME_BYTES=65000"):
        manager.allow("a")
    assert manager.allow("a", chunk_size=60_000).chunk_size == 60_000
    with pytest.raises(KeyError, match="no upload named 'b'; allowed uploads: 'a'"):
        manager.get("b")


def test_template_tags_refuse_wrong_arguments():
    template = engines["django"].from_string("{% load liveview %}{% live_file_input x %}")
    with pytest.raises(TemplateSyntaxError, match="needs the UploadConfig returned by "
                                                  "socket.allow_upload\\(\\), got str"):
        template.render({"x": "oops"})
    config = UploadManager().allow("a")
    template = engines["django"].from_string("{% load liveview %}{% live_file_input c id='x' %}")
    with pytest.raises(TemplateSyntaxError, match="'id' is set by the tag itself"):
        template.render({"c": config})
    template = engines["django"].from_string("{% load liveview %}{% live_img_preview c %}")
    with pytest.raises(TemplateSyntaxError, match="needs an entry"):
        template.render({"c": config})


def test_save_upload_uses_the_configured_storage_and_strips_paths(settings, tmp_path):
    from liveview.uploads import ConsumedUpload

    settings.STORAGES = {**settings.STORAGES, "uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "store")}}}
    settings.LIVEVIEW = {**settings.LIVEVIEW, "UPLOAD_STORAGE": "uploads"}
    source = tmp_path / "src"
    source.write_bytes(b"payload")
    with open(source, "rb") as handle:
        upload = ConsumedUpload(handle, "../../etc/passwd", 7, "text/plain", "0", str(source))
        name = save_upload(upload, upload_to="docs")
        again = upload.save()
    assert name == "docs/passwd"
    assert (tmp_path / "store" / "docs" / "passwd").read_bytes() == b"payload"
    assert again == "passwd"


# Floods -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["preflight", "change"])
async def test_an_entries_flood_is_refused_before_any_per_entry_work(client, monkeypatch, how):
    from liveview.core.uploads import ClientEntry

    up = await joined(client, "/t/up/manual/")  # max_files=2
    parsed = []
    original = ClientEntry.parse.__func__

    def counting_parse(cls, data):
        parsed.append(data)
        return original(cls, data)

    monkeypatch.setattr(ClientEntry, "parse", classmethod(counting_parse))
    flood = [file_entry(str(i), f"{i}.txt") for i in range(5000)]
    if how == "preflight":
        reply = await up.preflight(*flood)
        assert reply["response"]["error"] == [[up.ref, "too_many_files"]]
    else:
        await up.choose(*flood)
    assert parsed == []  # refused on the count, before one entry was looked at
    assert "data-code='too_many_files'" in client.html
    assert input_attrs(client.html)["data-phx-active-refs"] == ""
    # The view goes on: a proper choice afterwards is taken.
    await up.choose(file_entry("a", "a.txt"))
    assert input_attrs(client.html)["data-phx-active-refs"] == "a"
    assert "too_many_files" not in client.html


async def test_a_config_never_holds_more_than_a_few_entries_past_max_files(client):
    up = await joined(client, "/t/up/manual/")  # max_files=2
    for batch in range(50):
        await up.choose(*[file_entry(f"{batch}-{i}", "x.txt") for i in range(5)])
    refs = input_attrs(client.html)["data-phx-active-refs"].split(",")
    assert 2 < len(refs) <= 2 + 10


@pytest.mark.parametrize("client_name, stored", [
    ("..", "upload"), (".", "upload"), ("ev\x00il.txt", "ev_il.txt"),
    ("a" * 300 + ".txt", "a" * 96 + ".txt"), ("..\\..\\x.txt", "x.txt"), (".env", "env"),
])
def test_save_upload_makes_any_client_name_a_valid_file_name(settings, tmp_path, client_name,
                                                             stored):
    from liveview.uploads import ConsumedUpload

    settings.STORAGES = {**settings.STORAGES, "uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "store")}}}
    source = tmp_path / "src"
    source.write_bytes(b"payload")
    with open(source, "rb") as handle:
        upload = ConsumedUpload(handle, client_name, 7, "text/plain", "0", str(source))
        name = save_upload(upload, upload_to="docs", storage="uploads")
    assert name == f"docs/{stored}"
    assert (tmp_path / "store" / "docs" / stored).read_bytes() == b"payload"


def test_the_demo_logs_each_liveview_line_once(capsys):
    """daphne gives the root logger a handler of its own: liveview's must not propagate."""
    import logging.config

    from django.conf import settings as django_settings

    root = logging.getLogger()
    daphne_like = logging.StreamHandler()
    root.addHandler(daphne_like)
    try:
        logging.config.dictConfig(django_settings.LOGGING)
        logging.getLogger("liveview.test").warning("once please")
        assert capsys.readouterr().err.count("once please") == 1
    finally:
        root.removeHandler(daphne_like)
