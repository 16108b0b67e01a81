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
def upload_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("uploads")
    dirs = {"media": root / "media", "temp": root / "temp"}
    for path in dirs.values():
        path.mkdir()
    return dirs


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
