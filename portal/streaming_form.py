"""Multipart forms with files streamed to a sink chunk by chunk, never spooled to disk.

Starlette's own parser spools uploads to temporary files in plaintext; a hotline must not
leave citizens' evidence in /tmp, so routes that take evidence read their form with
`read_streamed_form`, handing each file's bytes to a sink (which encrypts as it writes).
The CSRF token must come before any file: a form without a valid token never reaches a sink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl

import python_multipart.multipart as multipart
from python_multipart.exceptions import FormParserError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict
from starlette.formparsers import parse_options_header
from starlette.requests import Request
from starlette.types import Message

from portal.csrf import CSRF_FIELD, CsrfFailed, check_token


class FileSink(Protocol):
    """Receives one uploaded file's bytes."""

    def write(self, chunk: bytes) -> None: ...

    def abort(self) -> None: ...


SinkFactory = Callable[[str, str, str], FileSink]  # field name, file name, declared type


class FormRejected(Exception):
    """The form broke a limit or is malformed; `reason` is a stable code, `status` a 4xx."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class StreamLimits:
    max_fields: int = 100
    max_field_bytes: int = 64 * 1024
    max_files: int = 10
    max_file_bytes: int = 50 * 1024 * 1024
    max_total_file_bytes: int = 200 * 1024 * 1024


@dataclass
class UploadedFile:
    field_name: str
    filename: str
    declared_type: str
    size: int
    sink: FileSink


@dataclass
class StreamedForm:
    fields: MultiDict
    files: list[UploadedFile] = field(default_factory=list)
    # File bytes read but not yet given to their sinks (see `read_streamed_form`).
    unwritten: list[tuple[UploadedFile, bytes]] = field(default_factory=list)

    def write_rest(self) -> None:
        """Give the sinks the bytes still held (blocking: call it in a worker thread)."""
        _write_all(self.unwritten)
        self.unwritten = []


def _write_all(pending: list[tuple[UploadedFile, bytes]]) -> None:
    for upload, data in pending:
        upload.sink.write(data)


@dataclass
class _Part:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    name: str = ""
    filename: str | None = None
    declared_type: str = ""
    data: bytearray = field(default_factory=bytearray)
    upload: UploadedFile | None = None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormRejected("invalid_encoding") from None


class _Collector:
    """python-multipart callbacks that collect fields and route file bytes to sinks."""

    def __init__(self, request: Request, limits: StreamLimits, open_sink: SinkFactory,
                 check_csrf: bool) -> None:
        self.request = request
        self.limits = limits
        self.open_sink = open_sink
        self.check_csrf = check_csrf
        self.csrf_ok = not check_csrf
        self.fields: list[tuple[str, str]] = []
        self.files: list[UploadedFile] = []
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""
        self.total_file_bytes = 0
        self.pending: list[tuple[UploadedFile, bytes]] = []
        self.pending_bytes = 0

    def callbacks(self) -> dict[str, Callable]:
        return {
            "on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers.append((self.header_name.lower(), self.header_value))
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        headers = dict(self.part.headers)
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise FormRejected("malformed")
        self.part.name = _decode(options[b"name"])
        if b"filename" not in options:
            if len(self.fields) >= self.limits.max_fields:
                raise FormRejected("too_many_fields", 413)
            return
        self.part.filename = _decode(options[b"filename"])
        if not self.part.filename:
            return  # an empty file input: the browser sends a nameless, empty part
        if not self.csrf_ok:
            raise CsrfFailed("file before token")
        if len(self.files) >= self.limits.max_files:
            raise FormRejected("too_many_files", 413)
        self.part.declared_type = headers.get(b"content-type", b"").decode("latin-1")[:100]
        sink = self.open_sink(self.part.name, self.part.filename, self.part.declared_type)
        self.part.upload = UploadedFile(self.part.name, self.part.filename,
                                        self.part.declared_type, 0, sink)
        self.files.append(self.part.upload)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        upload = self.part.upload
        if upload is None:
            if self.part.filename is not None:
                return  # the body of an empty file input
            if len(self.part.data) + len(chunk) > self.limits.max_field_bytes:
                raise FormRejected("field_too_large", 413)
            self.part.data.extend(chunk)
            return
        upload.size += len(chunk)
        self.total_file_bytes += len(chunk)
        if upload.size > self.limits.max_file_bytes:
            raise FormRejected("file_too_large", 413)
        if self.total_file_bytes > self.limits.max_total_file_bytes:
            raise FormRejected("total_too_large", 413)
        self.pending.append((upload, chunk))
        self.pending_bytes += len(chunk)

    def take_pending(self) -> list[tuple[UploadedFile, bytes]]:
        taken, self.pending, self.pending_bytes = self.pending, [], 0
        return taken

    def on_part_end(self) -> None:
        if self.part.filename is not None:
            return
        value = _decode(bytes(self.part.data))
        if self.part.name == CSRF_FIELD and self.check_csrf and not self.csrf_ok:
            check_token(self.request, value)
            self.csrf_ok = True
        self.fields.append((self.part.name, value))


# File bytes are handed to the sinks (which encrypt and write: blocking work for a worker
# thread) in batches of about this size, not chunk by chunk as they arrive: under a spike
# each trip to a thread waits behind the worker's queue, and a 4 MB photo arriving in
# 64 KB chunks made 64 trips. At most this much per request is held in memory.
WRITE_BATCH_BYTES = 256 * 1024


async def read_streamed_form(request: Request, open_sink: SinkFactory,
                             limits: StreamLimits = StreamLimits(),
                             *, check_csrf: bool = True,
                             write_rest: bool = True) -> StreamedForm:
    """Parse a multipart form, streaming each file to a sink from `open_sink`.

    The last batch of file bytes (a whole small file) is written before returning, or,
    with `write_rest=False`, left in `StreamedForm.unwritten` for the caller to write with
    `StreamedForm.write_rest` in the worker thread it goes on to use anyway.

    On any error every sink opened so far is aborted before the error propagates.
    """
    content_type = request.headers.get("content-type", "")
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise FormRejected("not_multipart", 415)
    collector = _Collector(request, limits, open_sink, check_csrf)
    parser = multipart.MultipartParser(params[b"boundary"], collector.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if collector.pending_bytes >= WRITE_BATCH_BYTES:
                await run_in_threadpool(_write_all, collector.take_pending())
        parser.finalize()
        if not collector.csrf_ok:
            raise CsrfFailed("missing token")
        if write_rest and collector.pending:
            await run_in_threadpool(_write_all, collector.take_pending())
    except BaseException as exc:
        for upload in collector.files:
            upload.sink.abort()
        if isinstance(exc, FormParserError):
            raise FormRejected("malformed") from exc
        raise
    return StreamedForm(MultiDict(collector.fields), collector.files,
                        collector.take_pending())


PEEK_LIMIT = 64 * 1024
URLENCODED_LIMIT = 1024 * 1024


class _TokenFinder:
    """Multipart callbacks that stop at the CSRF field (which our forms put first)."""

    def __init__(self) -> None:
        self.name = b""
        self.header_name = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.data = bytearray()
        self.token: str | None = None
        self.file_seen = False

    def callbacks(self) -> dict[str, Callable]:
        return {
            "on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.headers, self.data, self.name = {}, bytearray(), b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"")
        if options.get(b"filename"):
            self.file_seen = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.name == CSRF_FIELD.encode() and len(self.data) < 4096:
            self.data.extend(data[start:end])

    def on_part_end(self) -> None:
        if self.name == CSRF_FIELD.encode() and self.token is None:
            self.token = self.data.decode("utf-8", "replace")


async def verified_stream_request(request: Request) -> Request:
    """Check the CSRF token of a streamed form before its handler runs.

    Reads just enough of the body to find the token field (it must come before any file
    and within the first 64 KiB), then returns a request that replays those bytes.
    """
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    buffered: list[Message] = []
    if kind == b"application/x-www-form-urlencoded":
        # No files: read it all (a small form), find the token, replay the bytes.
        body, more = bytearray(), True
        while more:
            message = await request.receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > URLENCODED_LIMIT:
                raise FormRejected("field_too_large", 413)
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, errors="replace")
        check_token(request, next((v for k, v in pairs if k == CSRF_FIELD), ""))
    elif kind == b"multipart/form-data" and b"boundary" in params:
        finder = _TokenFinder()
        parser = multipart.MultipartParser(params[b"boundary"], finder.callbacks())
        seen, more = 0, True
        while finder.token is None and not finder.file_seen and more and seen <= PEEK_LIMIT:
            message = await request.receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            body_part = message.get("body", b"")
            seen += len(body_part)
            more = message.get("more_body", False)
            try:
                parser.write(body_part)
            except FormParserError:
                break  # the handler's own parse reports it, once the token is known good
        check_token(request, finder.token)
    else:
        # Nothing a form can send here would change state: refuse the type itself.
        raise FormRejected("not_multipart", 415)
    replay = iter(buffered)

    async def receive() -> Message:
        return next(replay, None) or await request.receive()

    return Request(request.scope, receive)
