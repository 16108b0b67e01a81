"""LiveViews exercising uploads (routed by tests/runtime/upload_urls.py)."""
from __future__ import annotations

import hashlib

from liveview import (
    CallbackWriter,
    UploadConstraints,
    UploadRejected,
    is_connected,
    storage_writer,
)

from .views import StringTemplateView

SOURCE = (
    "{% load liveview %}<form id='f' phx-change='validate' phx-submit='save'>"
    "{% live_file_input up %}</form>"
    "<p id='clicks'>{{ clicks }}</p><p id='seen'>{{ seen }}</p>"
    "<ul>{% for e in up.entries %}<li id='e{{ e.ref }}' data-progress='{{ e.progress }}' "
    "data-done='{{ e.done }}'>{{ e.name }}{% for err in e.errors %}"
    "<i class='err' data-code='{{ err.code }}'>{{ err.message }}</i>{% endfor %}</li>"
    "{% endfor %}</ul>"
    "{% for err in up.errors %}<b class='cerr' data-code='{{ err.code }}'>{{ err.message }}</b>"
    "{% endfor %}<p id='log'>{{ log|join:' ' }}</p><p id='saved'>{{ saved|join:' ' }}</p>")


class ManualUploadView(StringTemplateView):
    """Up to 2 .txt files of at most 100 bytes, uploaded on submit."""

    source = SOURCE
    constraints = UploadConstraints(max_file_size=100, max_files=2, accept=[".txt"])
    auto = False

    async def mount(self, socket, session):
        socket.context = {"up": socket.allow_upload("up", self.constraints,
                                                    auto_upload=self.auto,
                                                    progress=self.on_progress),
                          "clicks": 0, "seen": "", "log": [], "saved": []}

    async def on_progress(self, entry, socket):
        socket.context["log"].append(f"{entry.ref}:{entry.progress}{'+' if entry.done else ''}")

    async def handle_event(self, event, payload, socket):
        up = socket.context["up"]
        if event == "validate":
            # Files chosen in this change are already registered when the handler runs.
            socket.context["seen"] = ",".join(e.name for e in up.entries)
        elif event == "click":
            socket.context["clicks"] += 1
        elif event == "cancel-upload":
            socket.cancel_upload("up", payload["ref"])
        elif event == "save":
            def read(upload, entry):  # a sync callback: runs in a worker thread
                data = upload.file.read()
                return f"{upload.name}={data.decode()}"

            socket.context["saved"] = await socket.consume_uploaded_entries("up", read)


class AutoUploadView(ManualUploadView):
    """Same limits, uploaded as soon as chosen; each done file is consumed by the callback."""

    auto = True

    async def on_progress(self, entry, socket):
        await super().on_progress(entry, socket)
        if entry.done:
            with socket.context["up"].consume_upload_entry(entry.ref) as upload:
                digest = hashlib.sha256(upload.file.read()).hexdigest()[:8]
                socket.context["saved"].append(f"{upload.name}:{upload.size}:{digest}")


class NavigateWhenDoneView(AutoUploadView):
    """Navigates away from the progress callback once the file is in."""

    async def on_progress(self, entry, socket):
        await super().on_progress(entry, socket)
        if entry.done:
            await socket.push_navigate("/t/up/manual/")


class BigUploadView(ManualUploadView):
    """One file of any type up to 100 MB, uploaded as soon as chosen (bench/upload.py)."""

    constraints = UploadConstraints(max_file_size=100_000_000)
    auto = True


class BigWriterUploadView(BigUploadView):
    """BigUploadView streaming into the default storage under bench/ (bench/upload.py)."""

    async def mount(self, socket, session):
        await super().mount(socket, session)
        socket.context["up"] = socket.allow_upload(
            "up", self.constraints, auto_upload=True, progress=self.on_progress,
            writer=storage_writer("bench"))


class UnconnectedUploadView(StringTemplateView):
    """Checks what an UnconnectedSocket offers."""

    source = "{% load liveview %}<p>{{ where }}</p>{% live_file_input up accept_x='1' %}"

    async def mount(self, socket, session):
        up = socket.allow_upload("up", {"max_files": 3, "accept": "image/*"})
        where = "live"
        if not is_connected(socket):
            with up.consume_upload_entry("0") as nothing:
                where = f"http consume={nothing}"
        socket.context = {"up": up, "where": where}


# Upload writers and external uploads (tests/runtime/test_upload_writers.py) --------------------
#: What the recording writers of these views saw, by entry name: chunks and close reasons.
WRITER_LOG: dict[str, list] = {}


class StorageWriterView(ManualUploadView):
    """Chunks stream into the default storage under w/; consuming gives the writer's meta."""

    async def mount(self, socket, session):
        await super().mount(socket, session)
        socket.context["up"] = socket.allow_upload(
            "up", self.constraints, auto_upload=False, progress=self.on_progress,
            writer=storage_writer("w"))

    async def handle_event(self, event, payload, socket):
        if event == "save":
            socket.context["saved"] = await socket.consume_uploaded_entries(
                "up", lambda meta, entry: f"{entry.name}={meta['name']}:{meta['size']}")
        else:
            await super().handle_event(event, payload, socket)


class CallbackWriterView(StorageWriterView):
    """A CallbackWriter recording chunks; a file named fail.txt fails on its second chunk."""

    async def mount(self, socket, session):
        await super().mount(socket, session)

        def writer(name, entry, socket):
            log = WRITER_LOG.setdefault(entry.name, [])

            def on_chunk(data):
                if entry.name == "fail.txt" and log:
                    raise OSError("destination refused the chunk")
                log.append(data)
            return CallbackWriter(on_chunk, on_close=log.append,
                                  meta=lambda: {"name": name, "size": sum(
                                      len(x) for x in log if isinstance(x, bytes))})

        socket.context["up"] = socket.allow_upload(
            "up", self.constraints, auto_upload=False, progress=self.on_progress, writer=writer)


class ExternalUploadView(ManualUploadView):
    """External uploads: each entry gets a meta; refuse.txt is refused by the callable."""

    async def mount(self, socket, session):
        await super().mount(socket, session)
        socket.context["up"] = socket.allow_upload(
            "up", self.constraints, auto_upload=self.auto, progress=self.on_progress,
            external=self.presign)

    def presign(self, entry, socket):  # sync: runs in a worker thread, may use the ORM
        if entry.name == "refuse.txt":
            raise UploadRejected("quota", "No space left for refuse.txt")
        if entry.name == "bad.txt":  # a bug: no uploader named
            return {"url": "http://127.0.0.1:9/bucket"}
        return {"uploader": "Test", "url": "http://127.0.0.1:9/bucket",
                "key": f"k/{entry.name}", "fields": {"n": str(entry.size)}}

    async def handle_event(self, event, payload, socket):
        if event == "save":
            socket.context["saved"] = await socket.consume_uploaded_entries(
                "up", lambda meta, entry: f"{entry.name}={meta['key']}")
        else:
            await super().handle_event(event, payload, socket)


class AutoExternalUploadView(ExternalUploadView):
    auto = True
