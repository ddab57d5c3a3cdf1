"""Staff download of an evidence file: the decrypted, metadata-stripped copy, streamed as
an attachment under a sandboxing CSP, each download audited."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from moderation.audit import record
from moderation.intake.crypto import DecryptionFailed
from moderation.intake.models import Submission, SubmissionFile
from moderation.intake.storage import check_readable, open_stored
from moderation.workflow.transitions import can_see
from portal.accounts.permissions import actor_of, staff_user
from portal.errors import error_page
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext
from portal.track.common import intake_keys, settings_of
from portal.web import db_session

log = logging.getLogger("portal.files")
FILE_UNREADABLE = lazy_gettext(
    "This file cannot be opened with the portal's keys, or it is damaged. Nothing was "
    "sent. The problem has been recorded; please tell the administrator.")

# Moderators, and handlers of the lead's responsible unit (others get 404, as for the case).
REFERENCE_MAX = 16


def download_name(submission: Submission, row: SubmissionFile) -> str:
    """A neutral ASCII file name: the citizen's own name for a file may identify them."""
    extension = "".join(ch for ch in row.extension if ch.isascii() and ch.isalnum())[:10]
    return f"{submission.reference}-{row.id}.{extension or 'bin'}"


def download_file(request: Request) -> Response:
    """GET /staff/submissions/{reference}/files/{file_id}: the cleaned file, as an attachment."""
    reference = str(request.path_params["reference"])[:REFERENCE_MAX + 1]
    file_id = int(request.path_params["file_id"])
    settings = settings_of(request)
    keys = intake_keys(request)
    clock = request.app.state.clock
    actor = actor_of(staff_user(request))
    with db_session(request) as db:
        submission = db.exec(select(Submission).where(
            Submission.reference == reference)).first()
        row = db.get(SubmissionFile, file_id)
        if (submission is None or row is None or row.submission_id != submission.id
                or submission.wrapped_key is None or not can_see(submission, actor)):
            raise HTTPException(status_code=404)
        try:
            check_readable(settings.upload_dir, keys, submission, row)
        except (DecryptionFailed, OSError) as exc:
            log.warning("evidence file %s of %s cannot be opened: %s", row.id,
                        submission.reference, type(exc).__name__)
            record(db, actor, "submission.file_unreadable", "submission", submission.id,
                   after={"reference": submission.reference, "file_id": row.id,
                          "problem": type(exc).__name__}, clock=clock)
            db.commit()
            return error_page(request, 500, _(FILE_UNREADABLE),
                              headers={"Cache-Control": "no-store"})
        record(db, actor, "submission.file_download", "submission",
               submission.id, after={"reference": submission.reference, "file_id": row.id,
                                     "sha256": row.sha256}, clock=clock)
        db.commit()

    def body() -> Iterator[bytes]:
        with open_stored(settings.upload_dir, keys, submission, row) as reader:
            try:
                yield from reader.chunks()
            except DecryptionFailed:  # altered in the middle: the download is cut short
                log.warning("evidence file %s of %s damaged inside", row.id,
                            submission.reference)

    name = download_name(submission, row)
    return StreamingResponse(body(), media_type=row.media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(row.size),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "no-store",
    })
