"""A small local endpoint that takes S3 browser POST uploads and checks them as S3 does.

The local S3-compatible server the tests use (moto) stores POST uploads without checking
their policy or signature, so the refusals are tested here: the signature is recomputed
from the secret (SigV4, written out independently of liveview.core.s3post), then the
policy's expiry and every condition are checked against the form, the file's size included.
Refusals answer with S3's status codes and XML error bodies. CORS allows any origin, as a
bucket configured for browser uploads does. Serves 127.0.0.1 only, in a thread.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class S3PostEndpoint:
    """`url` is the endpoint (path-style buckets); `objects[(bucket, key)]` what was stored."""

    def __init__(self, access_key_id: str, secret_access_key: str):
        self.keys = {access_key_id: secret_access_key}
        self.objects: dict[tuple[str, str], bytes] = {}
        self.refusals: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _cors(self) -> None:
                self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin", "*"))
                self.send_header("Access-Control-Allow-Methods", "POST, PUT")
                self.send_header("Access-Control-Allow-Headers", "*")

            def do_OPTIONS(self) -> None:
                self.send_response(200)
                self._cors()
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, code = endpoint.handle(self.path.strip("/"),
                                               self.headers.get("Content-Type", ""), body)
                payload = b"" if status == 204 else (
                    f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
                    f"<Message>{code}</Message></Error>").encode()
                self.send_response(status)
                self._cors()
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> S3PostEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The checks S3 makes ---------------------------------------------------------------------
    def handle(self, bucket: str, content_type: str, body: bytes) -> tuple[int, str]:
        fields, file = self._parse(content_type, body)
        try:
            self._check(bucket, fields, file)
        except _Refused as exc:
            self.refusals.append(exc.code)
            return exc.status, exc.code
        self.objects[(bucket, fields["key"])] = file
        return 204, ""

    @staticmethod
    def _parse(content_type: str, body: bytes) -> tuple[dict[str, str], bytes]:
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields: dict[str, str] = {}
        file = b""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if name == "file":
                file = data
                break  # S3 ignores fields after the file
            fields[str(name)] = data.decode()
        return fields, file

    def _check(self, bucket: str, fields: dict[str, str], file: bytes) -> None:
        for required in ("key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                         "x-amz-signature"):
            if required not in fields:
                raise _Refused(400, "InvalidArgument")
        access_key, date, region, service, _ = fields["x-amz-credential"].split("/")
        secret = self.keys.get(access_key)
        if secret is None:
            raise _Refused(403, "InvalidAccessKeyId")
        key = ("AWS4" + secret).encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["x-amz-signature"]):
            raise _Refused(403, "SignatureDoesNotMatch")
        policy = json.loads(base64.b64decode(fields["policy"]))
        expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")
        if expiration.replace(tzinfo=timezone.utc) < datetime.now(timezone.utc):
            raise _Refused(403, "AccessDenied")
        values = {name.lower(): value for name, value in fields.items()}
        values["bucket"] = bucket
        covered = {"policy", "x-amz-signature", "file"}
        for condition in policy["conditions"]:
            if isinstance(condition, dict):
                ((name, value),) = condition.items()
                op, name = "eq", name.lower()
            elif condition[0] == "content-length-range":
                if len(file) < condition[1]:
                    raise _Refused(400, "EntityTooSmall")
                if len(file) > condition[2]:
                    raise _Refused(400, "EntityTooLarge")
                continue
            else:
                op, name, value = condition[0], condition[1].lstrip("$").lower(), condition[2]
            covered.add(name)
            got = values.get(name)
            if got is None or (op == "eq" and got != value) or (
                    op == "starts-with" and not got.startswith(value)):
                raise _Refused(403, "AccessDenied")
        if set(values) - covered - {"bucket"}:
            raise _Refused(403, "AccessDenied")  # a field the policy does not cover


class _Refused(Exception):
    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status, self.code = status, code
