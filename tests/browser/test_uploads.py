"""File uploads with the official client in Chromium against daphne: the two demos
(/uploads/photos/: auto upload, /uploads/documents/: upload on submit) with real files."""
from __future__ import annotations

import hashlib
import os
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Records the highest progress value each entry's <progress> showed (the entry may vanish
# right after 100 when it is consumed, so the DOM is watched rather than polled).
WATCH_PROGRESS = """() => {
  window.__progress = {};
  const scan = () => document.querySelectorAll("li.entry").forEach((li) => {
    const value = parseInt(li.dataset.progress, 10);
    const name = li.dataset.name;
    window.__progress[name] = Math.max(window.__progress[name] ?? -1, value);
  });
  new MutationObserver(scan).observe(document.body,
    {subtree: true, childList: true, attributes: true, attributeFilter: ["data-progress"]});
  scan();
}"""


def png_bytes(width: int, height: int, seed: int = 1) -> bytes:
    """A valid, uncompressed RGB PNG of noise (size about width * height * 3 bytes)."""
    rows = b"".join(b"\x00" + hashlib.shake_256(f"{seed}:{y}".encode()).digest(width * 3)
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def upload_server(server_pool, upload_dirs):
    """A daphne process of its own: its media and upload temp dirs are this module's."""
    return server_pool("daphne", DEMO_MEDIA_ROOT=upload_dirs["media"],
                       LIVEVIEW_UPLOAD_TEMP_DIR=upload_dirs["temp"])


@pytest.fixture
def files(tmp_path):
    """write(name, data) → path of a real file to give to set_input_files."""

    def write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def temp_files(upload_dirs) -> list[str]:
    return sorted(os.listdir(upload_dirs["temp"]))


def stored(upload_dirs, folder: str) -> dict[str, bytes]:
    path = upload_dirs["media"] / folder
    return {p.name: p.read_bytes() for p in path.iterdir()} if path.is_dir() else {}


def test_photo_uploads_on_selection_and_is_stored_byte_for_byte(upload_server, upload_dirs,
                                                                 open_live, page, files):
    page = open_live(upload_server.url + "/uploads/photos/")
    page.evaluate(WATCH_PROGRESS)
    data = png_bytes(300, 200, seed=1)  # ~180 KB: three chunks
    page.set_input_files("input[type=file][name=photos]", files("sunset.png", data))

    saved = page.locator("#saved li.saved")
    expect(saved).to_have_count(1)
    expect(saved).to_have_attribute("data-sha256", sha256(data))
    assert page.evaluate("window.__progress")["sunset.png"] >= 0  # it was shown uploading
    on_disk = stored(upload_dirs, "photos")
    assert sha256(on_disk[Path(saved.get_attribute("data-name")).name]) == sha256(data)
    expect(page.locator("li.entry")).to_have_count(0)  # consumed
    assert temp_files(upload_dirs) == []


def test_document_uploads_on_submit_then_is_stored_and_listed(upload_server, upload_dirs,
                                                              open_live, page, files):
    page = open_live(upload_server.url + "/uploads/documents/")
    page.evaluate(WATCH_PROGRESS)
    data = ("notes line\n" * 10_000).encode()  # 110 KB: two chunks
    page.set_input_files("input[type=file][name=documents]", files("notes.txt", data))
    entry = page.locator("li.entry[data-name='notes.txt']")
    expect(entry).to_have_attribute("data-progress", "0")
    assert stored(upload_dirs, "documents") == {}  # nothing is sent before the submit

    page.click("#save")
    expect(page.locator("#message")).to_contain_text("Saved documents/notes")
    assert page.evaluate("window.__progress")["notes.txt"] == 100
    expect(page.locator("li.entry")).to_have_count(0)
    documents = stored(upload_dirs, "documents")
    assert [sha256(v) for v in documents.values()] == [sha256(data)]
    expect(page.locator("#stored li.stored")).to_have_count(1)
    assert temp_files(upload_dirs) == []


def test_too_large_wrong_type_and_too_many_files_show_errors_and_store_nothing(
        upload_server, upload_dirs, open_live, page, files):
    before = stored(upload_dirs, "photos")
    page = open_live(upload_server.url + "/uploads/photos/")
    photos = "input[type=file][name=photos]"
    errors = page.locator(".upload-error")

    page.set_input_files(photos, files("huge.png", png_bytes(1300, 1300, seed=2)))  # 5.07 MB
    expect(page.locator(".upload-error[data-code=too_large]")).to_contain_text(
        "huge.png: file is too large (5.1 MB); the limit is 5 MB")
    page.click("button[aria-label='Cancel huge.png']")
    expect(errors).to_have_count(0)

    page.set_input_files(photos, files("notes.txt", b"not an image"))
    expect(page.locator(".upload-error[data-code=not_accepted]")).to_contain_text(
        "notes.txt: file type not accepted; accepted: .png, .jpg, .jpeg, .gif, .webp")
    page.click("button[aria-label='Cancel notes.txt']")
    expect(errors).to_have_count(0)

    four = [files(f"p{i}.png", png_bytes(20, 20, seed=10 + i)) for i in range(4)]
    page.set_input_files(photos, four)
    expect(page.locator(".upload-error[data-code=too_many_files]")).to_have_text(
        "Too many files: at most 3 files can be uploaded")
    expect(page.locator("li.entry")).to_have_count(4)

    page.wait_for_timeout(300)  # time for an upload that should not happen
    assert stored(upload_dirs, "photos") == before
    expect(page.locator("#saved li.saved")).to_have_count(0)
    assert temp_files(upload_dirs) == []


def test_cancelled_errored_and_abandoned_uploads_leave_no_temp_file(
        upload_server, upload_dirs, open_live, page, files, browser_log):
    # Closing the tab mid-upload (page.close() below) is on purpose: on pagehide the client
    # disconnects its socket, so the upload channel errors and the entry reports the error as a
    # progress push, which the disconnected view cannot send. Whether Chromium delivers this
    # console.error before the tab is gone depends on timing.
    browser_log.allow(r"\[console\.error\] Failed to push file progress \{error: no connection, "
                      r"fileEl: input#phx-[\w-]+, entryRef: \d+, progress: Object\}")
    page = open_live(upload_server.url + "/uploads/photos/")
    # Slow the client down (a delay before each chunk and each message) so that uploads are
    # still running when they are cancelled or abandoned.
    page.evaluate("window.liveSocket.enableLatencySim(40)")
    photos = "input[type=file][name=photos]"

    page.set_input_files(photos, files("slow1.png", png_bytes(1000, 1000, seed=3)))  # 3 MB
    uploading = page.locator("li.entry[data-name='slow1.png']:not([data-progress='0'])")
    expect(uploading).to_have_count(1)
    assert len(temp_files(upload_dirs)) == 1
    page.click("button[aria-label='Cancel slow1.png']")
    expect(page.locator("li.entry")).to_have_count(0)
    wait_until_empty(page, upload_dirs)

    page.set_input_files(photos, files("huge.png", png_bytes(1300, 1300, seed=4)))
    expect(page.locator(".upload-error[data-code=too_large]")).to_have_count(1)

    page.set_input_files(photos, files("slow2.png", png_bytes(1000, 1000, seed=5)))
    expect(page.locator("li.entry[data-name='slow2.png']:not([data-progress='0'])")) \
        .to_have_count(1)
    assert len(temp_files(upload_dirs)) == 1
    page.close()  # the tab goes away mid-upload
    wait_until_empty(page, upload_dirs)
    assert stored(upload_dirs, "photos").keys().isdisjoint({"slow1.png", "slow2.png"})


def wait_until_empty(page, upload_dirs, timeout_s: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while temp_files(upload_dirs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert temp_files(upload_dirs) == []


def test_dropping_a_file_on_the_drop_target_uploads_it(upload_server, upload_dirs, open_live,
                                                       page):
    page = open_live(upload_server.url + "/uploads/photos/")
    data = png_bytes(40, 30, seed=7)
    page.evaluate("""(bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"}));
      document.querySelector("[phx-drop-target]").dispatchEvent(
        new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", list(data))
    saved = page.locator("#saved li.saved[data-name^='photos/dropped']")
    expect(saved).to_have_attribute("data-sha256", sha256(data))
