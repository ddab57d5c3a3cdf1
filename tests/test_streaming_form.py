"""Streamed multipart forms hand file bytes to their sinks in a few batches, each one
trip to a worker thread (issue 12: a photo under a press-conference spike)."""

from __future__ import annotations

from typing import Any

from anyio.from_thread import start_blocking_portal
from starlette.requests import Request

from portal.streaming_form import WRITE_BATCH_BYTES, StreamedForm, read_streamed_form

BOUNDARY = "x-boundary"
CHUNK = 64 * 1024  # what a socket read typically hands the server


class RecordingSink:
    def __init__(self) -> None:
        self.data = bytearray()
        self.writes = 0

    def write(self, chunk: bytes) -> None:
        self.data += chunk
        self.writes += 1

    def abort(self) -> None:
        self.data.clear()


def multipart_body(files: dict[str, bytes]) -> bytes:
    parts = [b"--%s\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
             % BOUNDARY.encode()]
    for name, content in files.items():
        parts.append(b"--%s\r\nContent-Disposition: form-data; name=\"evidence\"; "
                     b"filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n%s\r\n"
                     % (BOUNDARY.encode(), name.encode(), content))
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


def streamed(body: bytes, **options: Any) -> tuple[StreamedForm, list[RecordingSink]]:
    """The form read from `body` arriving in 64 KB chunks, and its sinks."""
    chunks = [body[i:i + CHUNK] for i in range(0, len(body), CHUNK)]
    messages = [{"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
                for i, chunk in enumerate(chunks)]
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"",
             "headers": [(b"content-type",
                          b"multipart/form-data; boundary=" + BOUNDARY.encode())]}
    sinks: list[RecordingSink] = []

    def open_sink(_field: str, _filename: str, _declared: str) -> RecordingSink:
        sinks.append(RecordingSink())
        return sinks[-1]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def read() -> StreamedForm:
        return await read_streamed_form(Request(scope, receive), open_sink,
                                        check_csrf=False, **options)

    # In a thread of its own, as TestClient runs apps: a browser test may own this one's loop.
    with start_blocking_portal() as portal:
        return portal.call(read), sinks


def test_a_large_file_is_written_in_batches_not_chunk_by_chunk(
        thread_trips: list[object]) -> None:
    photo = bytes(range(256)) * 4096  # 1 MB: sixteen 64 KB chunks
    form, (sink,) = streamed(multipart_body({"photo.txt": photo}))
    assert bytes(sink.data) == photo
    assert form.fields["note"] == "hello"
    assert form.unwritten == []
    assert len(thread_trips) <= len(photo) // WRITE_BATCH_BYTES + 1  # 5, not 16


def test_the_last_batch_can_be_left_to_the_callers_thread(
        thread_trips: list[object]) -> None:
    notes = {"a.txt": b"first note " * 100, "b.txt": b"second note " * 100}
    form, sinks = streamed(multipart_body(notes), write_rest=False)
    assert thread_trips == []
    assert [bytes(s.data) for s in sinks] == [b"", b""]
    form.write_rest()
    assert [bytes(s.data) for s in sinks] == list(notes.values())
    assert form.unwritten == []
