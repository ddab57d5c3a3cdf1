"""Reading an evidence form: fields in memory, files streamed into an encrypted batch.

A file the batch refuses (too big, too many, wrong type) does not end the request: it
is drained and reported, so the form can come back filled in with the reason next to
the file input. Structural problems (malformed multipart, a huge field, no CSRF token)
end it with `FormRejected` or `CsrfFailed`; every file written so far is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message

from moderation.intake.errors import FileRejected
from moderation.intake.files import StoredUpload, UploadBatch, UploadSink, clean_display_name
from portal.streaming_form import FormRejected, StreamedForm, StreamLimits, read_streamed_form

EVIDENCE_FIELD = "evidence"


class EvidenceSink:
    """One file part: written to the batch, or drained once the batch has refused it."""

    def __init__(self, batch: UploadBatch, filename: str) -> None:
        self.name = clean_display_name(filename)
        self.error: FileRejected | None = None
        self.inner: UploadSink | None = None
        try:
            self.inner = batch.open(filename)
        except FileRejected as exc:
            self.error = exc

    def write(self, chunk: bytes) -> None:
        if self.inner is None:
            return
        try:
            self.inner.write(chunk)
        except FileRejected as exc:  # the sink has already deleted what it wrote
            self.error, self.inner = exc, None

    def finish(self) -> StoredUpload | None:
        """Type the file and strip its metadata; None if it was refused."""
        if self.inner is None:
            return None
        try:
            return self.inner.finish()
        except FileRejected as exc:
            self.error, self.inner = exc, None
            return None

    def abort(self) -> None:
        if self.inner is not None:
            self.inner.abort()


@dataclass
class ReceivedForm:
    form: StreamedForm  # the fields, and the file bytes not yet written
    sinks: list[EvidenceSink] = field(default_factory=list)

    @property
    def fields(self) -> MultiDict:
        return self.form.fields

    @property
    def file_errors(self) -> list[tuple[str, str]]:
        """(file name, English message id) of every refused file."""
        return [(s.name, s.error.message) for s in self.sinks if s.error is not None]

    def finish_files(self, batch: UploadBatch) -> None:
        """Type and clean every file (blocking: call it in a worker thread); on an
        unexpected error every file of `batch` is deleted."""
        try:
            self.form.write_rest()
            for sink in self.sinks:
                sink.finish()
        except BaseException:
            batch.abort()
            raise


def limited_request(request: Request, limit: int) -> Request:
    """The request with its body capped at `limit` bytes (413 past it)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413)
    seen = 0
    receive = request.receive

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(status_code=413)
        return message

    return Request(request.scope, limited)


async def receive_form(request: Request, batch: UploadBatch, limits: StreamLimits,
                       body_limit: int, *, finish_files: bool = True) -> ReceivedForm:
    """Read the form; files go to `batch` and are typed and cleaned before returning,
    unless `finish_files` is False (the caller then calls `ReceivedForm.finish_files`,
    which also writes the files' last bytes, in the worker thread it goes on to use:
    under load each trip to a thread waits behind every other request of the worker)."""
    sinks: list[EvidenceSink] = []

    def open_sink(field_name: str, filename: str, declared_type: str) -> EvidenceSink:
        if field_name != EVIDENCE_FIELD:
            raise FormRejected("malformed")
        sink = EvidenceSink(batch, filename)
        sinks.append(sink)
        return sink

    form = await read_streamed_form(limited_request(request, body_limit), open_sink, limits,
                                    write_rest=finish_files)
    received = ReceivedForm(form, sinks)
    if finish_files:
        await run_in_threadpool(received.finish_files, batch)
    return received
