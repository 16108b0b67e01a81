"""Upload demos: photos (auto upload, previews, progress, cancel, errors) and documents
(uploaded on submit, saved into Django's default storage and listed from it)."""
from __future__ import annotations

import hashlib
from typing import Any, TypedDict

from asgiref.sync import sync_to_async
from django.core.files.storage import storages

from liveview import (
    ConnectedLiveViewSocket,
    LiveView,
    LiveViewSocket,
    UploadConfig,
    UploadConstraints,
    UploadEntry,
)

from . import payloads


def _sha256(file: Any) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for block in iter(lambda: file.read(1 << 16), b""):
        digest.update(block)
    file.seek(0)
    return digest.hexdigest()


class StoredFile(TypedDict):
    name: str
    size: int
    sha256: str
    url: str


# Photos ---------------------------------------------------------------------------------------
class PhotosContext(TypedDict):
    photos: UploadConfig
    saved: list[StoredFile]


class PhotoUploadLiveView(LiveView[PhotosContext]):
    """Up to 3 images of at most 5 MB, uploaded as soon as they are chosen (or dropped)."""

    template_name = "demos/upload_photos.html"

    async def mount(self, socket: LiveViewSocket[PhotosContext], session: Any) -> None:
        socket.context = {
            "photos": socket.allow_upload(
                "photos",
                constraints=UploadConstraints(max_file_size=5_000_000, max_files=3,
                                              accept=[".png", ".jpg", ".jpeg", ".gif",
                                                      ".webp"]),
                auto_upload=True, progress=self.handle_progress),
            "saved": [],
        }
        socket.live_title = "Photo upload"

    async def handle_progress(self, entry: UploadEntry,
                              socket: ConnectedLiveViewSocket[PhotosContext]) -> None:
        """Each finished photo goes straight into storage."""
        if not entry.done:
            return
        with socket.context["photos"].consume_upload_entry(entry.ref) as upload:
            if upload is not None:
                sha = _sha256(upload.file)
                stored = await upload.asave(upload_to="photos")
                socket.context["saved"].append({
                    "name": stored, "size": upload.size, "sha256": sha,
                    "url": storages["default"].url(stored)})

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[PhotosContext]) -> None:
        if event == "cancel-upload":
            socket.cancel_upload("photos", payloads.text(payload, "ref"))
        # "validate" (phx-change) needs nothing: the files are registered before it runs.


# Documents ------------------------------------------------------------------------------------
DOCUMENTS_DIR = "documents"


class DocumentsContext(TypedDict):
    documents: UploadConfig
    stored: list[StoredFile]
    message: str


def _list_documents() -> list[dict[str, Any]]:
    storage = storages["default"]
    try:
        _, files = storage.listdir(DOCUMENTS_DIR)
    except FileNotFoundError:
        return []
    return [{"name": f"{DOCUMENTS_DIR}/{name}", "size": storage.size(f"{DOCUMENTS_DIR}/{name}"),
             "url": storage.url(f"{DOCUMENTS_DIR}/{name}")} for name in sorted(files)]


class DocumentUploadLiveView(LiveView[DocumentsContext]):
    """Text and PDF documents, uploaded when the form is submitted, saved to default storage."""

    template_name = "demos/upload_documents.html"

    async def mount(self, socket: LiveViewSocket[DocumentsContext], session: Any) -> None:
        socket.context = {
            "documents": socket.allow_upload(
                "documents",
                constraints=UploadConstraints(max_file_size=2_000_000, max_files=2,
                                              accept=[".txt", ".md", ".pdf", "text/plain",
                                                      "text/markdown"])),
            "stored": await sync_to_async(_list_documents)(),
            "message": "",
        }
        socket.live_title = "Document upload"

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[DocumentsContext]) -> None:
        if event == "cancel-upload":
            socket.cancel_upload("documents", payloads.text(payload, "ref"))
        elif event == "save":
            # Runs once every file has arrived (the client holds the submit until then).
            async def store(upload: Any, entry: UploadEntry) -> str:
                sha = _sha256(upload.file)
                name = await upload.asave(upload_to=DOCUMENTS_DIR)
                return f"{name} ({sha[:12]})"

            saved = await socket.consume_uploaded_entries("documents", store)
            socket.context["message"] = f"Saved {', '.join(saved)}" if saved else \
                "Choose a file first."
            socket.context["stored"] = await sync_to_async(_list_documents)()
