"""Reading a follow-up form: fields parsed, files streamed into the case's encrypted store."""

from __future__ import annotations

from typing import cast
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict
from starlette.requests import Request

from moderation.intake import messages as m
from moderation.intake.errors import FileRejected
from moderation.intake.files import UploadBatch, UploadSink
from moderation.intake.followup import upload_envelope
from moderation.intake.models import Submission
from portal.csrf import CSRF_FIELD, check_token
from portal.locale_context import lazy_gettext as N_
from portal.streaming_form import FormRejected, StreamLimits, read_streamed_form
from portal.track.common import intake_keys, settings_of, upload_limits

URLENCODED = "application/x-www-form-urlencoded"
FIELD_BYTES = 64 * 1024  # a message of MESSAGE_MAX characters fits in UTF-8
MAX_FIELDS = 20

# FormRejected reasons -> English message ids (file caps reuse intake's messages).
FORM_MESSAGES = {
    "not_multipart": N_("This form could not be read. Please reload the page and try again."),
    "malformed": N_("This form could not be read. Please reload the page and try again."),
    "invalid_encoding": N_("This form contains text that could not be read."),
    "too_many_fields": N_("This form has too many fields."),
    "field_too_large": N_("This text is too long."),
    "too_many_files": m.FILE_MESSAGES["too_many"],
    "file_too_large": m.FILE_MESSAGES["too_large"],
    "total_too_large": m.FILE_MESSAGES["total_too_large"],
}
FILE_STATUS = {"too_large": 413, "total_too_large": 413, "too_many": 413}


async def _read_urlencoded(request: Request) -> MultiDict:
    """A form sent without files (no multipart): small, read whole, CSRF checked here."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FIELDS * FIELD_BYTES:
            raise FormRejected("field_too_large", 413)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise FormRejected("invalid_encoding") from None
    except ValueError:
        raise FormRejected("too_many_fields", 413) from None
    fields = MultiDict(pairs)
    check_token(request, fields.get(CSRF_FIELD))
    return fields


class FilesRefused(Exception):
    """A file was refused after the whole form was read; `fields` holds what was typed."""

    def __init__(self, error: FileRejected, fields: MultiDict) -> None:
        super().__init__(error.code)
        self.error = error
        self.fields = fields


def max_body(settings: object) -> int:
    """The largest follow-up request accepted: every file at its cap, plus the fields."""
    total = settings.upload_max_total_bytes  # type: ignore[attr-defined]
    return int(total) + MAX_FIELDS * FIELD_BYTES + 64 * 1024


def rejection(exc: FormRejected | FileRejected) -> tuple[int, str]:
    """Status and English message id for a refused form or file."""
    if isinstance(exc, FileRejected):
        return FILE_STATUS.get(exc.code, 422), exc.message
    return exc.status, FORM_MESSAGES.get(exc.reason, FORM_MESSAGES["malformed"])


async def read_followup_form(request: Request, submission: Submission | None
                             ) -> tuple[MultiDict, UploadBatch | None]:
    """Parse the form, streaming files into an `UploadBatch` bound to the submission.

    Raises FormRejected, FileRejected, FilesRefused or CsrfFailed; every file written so
    far is then deleted. On success the caller owns the batch (pass it to the domain, or abort it).
    """
    if request.headers.get("content-type", "").startswith(URLENCODED):
        return await _read_urlencoded(request), None
    settings = settings_of(request)
    limits = upload_limits(settings)
    batch = None
    # No case (no session) or an erased one: the form is still read, for its CSRF check.
    if submission is not None and submission.wrapped_key is not None:
        batch = UploadBatch(settings.upload_dir,
                            upload_envelope(intake_keys(request), submission), limits)

    def open_sink(_field: str, filename: str, _declared: str) -> UploadSink:
        if batch is None:
            raise FileRejected("too_many")
        return batch.open(filename)

    stream_limits = StreamLimits(max_fields=MAX_FIELDS, max_field_bytes=FIELD_BYTES,
                                 max_files=limits.count, max_file_bytes=limits.file_bytes,
                                 max_total_file_bytes=limits.total_bytes)
    try:
        form = await read_streamed_form(request, open_sink, stream_limits)
    except BaseException:
        if batch is not None:
            batch.abort()
        raise
    try:
        for upload in form.files:
            await run_in_threadpool(cast(UploadSink, upload.sink).finish)
    except BaseException as exc:
        if batch is not None:
            batch.abort()
        if isinstance(exc, FileRejected):
            # The fields were read: give them back so the form comes back filled in.
            raise FilesRefused(exc, form.fields) from exc
        raise
    return form.fields, batch
