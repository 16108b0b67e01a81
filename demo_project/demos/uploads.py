"""Upload demos: photos (auto upload, previews, progress, cancel, errors), documents
(uploaded on submit, saved into Django's default storage and listed from it), files streamed
straight into storage (an upload writer) and files sent straight to S3 (an external upload)."""
from __future__ import annotations

import hashlib
from typing import Any, TypedDict

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import storages

from liveview import (
    ConnectedLiveViewSocket,
    LiveView,
    LiveViewSocket,
    S3PresignedPost,
    UploadConfig,
    UploadConstraints,
    UploadEntry,
    storage_writer,
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


# Streamed into storage (an upload writer) ------------------------------------------------------
STREAMED_DIR = "streamed"


class StreamedContext(TypedDict):
    files: UploadConfig
    saved: list[StoredFile]


class StreamedUploadLiveView(LiveView[StreamedContext]):
    """Files of up to 50 MB whose chunks go straight into the default storage as they arrive
    (no temp file): `writer=storage_writer(...)`. A cancelled or failed upload leaves nothing."""

    template_name = "demos/upload_streamed.html"

    async def mount(self, socket: LiveViewSocket[StreamedContext], session: Any) -> None:
        socket.context = {
            "files": socket.allow_upload(
                "files", constraints=UploadConstraints(max_file_size=50_000_000, max_files=3),
                auto_upload=True, progress=self.handle_progress,
                writer=storage_writer(STREAMED_DIR)),
            "saved": [],
        }
        socket.live_title = "Streamed upload"

    async def handle_progress(self, entry: UploadEntry,
                              socket: ConnectedLiveViewSocket[StreamedContext]) -> None:
        if not entry.done:
            return
        # A writer's entry is consumed as its meta: the file is already in place.
        with socket.context["files"].consume_upload_entry(entry.ref) as meta:
            if meta is not None:
                storage = storages["default"]
                with await sync_to_async(storage.open)(meta["name"]) as stored:
                    sha = await sync_to_async(_sha256)(stored)
                socket.context["saved"].append({
                    "name": meta["name"], "size": meta["size"], "sha256": sha,
                    "url": storage.url(meta["name"])})

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[StreamedContext]) -> None:
        if event == "cancel-upload":
            socket.cancel_upload("files", payloads.text(payload, "ref"))


# Direct to S3 (an external upload) -------------------------------------------------------------
class S3Context(TypedDict):
    configured: bool
    files: UploadConfig | None
    uploaded: list[dict[str, Any]]


def s3_presigner() -> S3PresignedPost | None:
    """The presigner of settings.DEMO_S3, or None when no endpoint or keys are set."""
    conf = getattr(settings, "DEMO_S3", {})
    if not (conf.get("bucket") and conf.get("access_key_id") and conf.get("secret_access_key")):
        return None
    return S3PresignedPost(bucket=conf["bucket"], region=conf.get("region", "us-east-1"),
                           endpoint_url=conf.get("endpoint_url"),
                           access_key_id=conf["access_key_id"],
                           secret_access_key=conf["secret_access_key"],
                           prefix="demo/", max_file_size=conf.get("max_file_size"))


class S3UploadLiveView(LiveView[S3Context]):
    """Files go from the browser straight to an S3-compatible bucket (presigned POST); the
    server only signs the form and hears the progress. Configured by settings.DEMO_S3."""

    template_name = "demos/upload_s3.html"

    async def mount(self, socket: LiveViewSocket[S3Context], session: Any) -> None:
        presigner = s3_presigner()
        socket.context = {
            "configured": presigner is not None,
            "files": socket.allow_upload(
                "files", constraints=UploadConstraints(max_file_size=5_000_000, max_files=3),
                auto_upload=True, progress=self.handle_progress,
                external=presigner) if presigner is not None else None,
            "uploaded": [],
        }
        socket.live_title = "Direct to S3"

    async def handle_progress(self, entry: UploadEntry,
                              socket: ConnectedLiveViewSocket[S3Context]) -> None:
        files = socket.context["files"]
        if not entry.done or files is None:
            return
        # An external entry is consumed as the meta its presigner returned.
        with files.consume_upload_entry(entry.ref) as meta:
            if meta is not None:
                socket.context["uploaded"].append({
                    "name": entry.name, "key": meta["key"], "size": entry.size,
                    "url": f"{meta['url']}/{meta['key']}"})

    async def handle_event(self, event: str, payload: Any,
                           socket: ConnectedLiveViewSocket[S3Context]) -> None:
        # Without a bucket configured the page offers no upload, so there is nothing to cancel.
        if event == "cancel-upload" and socket.context["files"] is not None:
            socket.cancel_upload("files", payloads.text(payload, "ref"))
