"""Evidence on the case page: thumbnails of cleaned images, type, size and PDF page counts.

Thumbnails and PDF page counts are made in the worker sandbox
(`moderation.intake.previews`). Thumbnails are served under the download's access rules
(moderators, and handlers of the lead's unit) and are not audited one by one: the case
page records one
"submission.files_view" event per view that shows them. Nothing from a file runs in the
page: thumbnails are re-encoded JPEG, served with a sandboxing CSP.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from moderation.clock import Clock
from moderation.intake.errors import FileRejected
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import MetadataStatus, Submission, SubmissionFile
from moderation.intake.previews import pdf_pages_in_worker, thumbnail_in_worker
from moderation.intake.storage import open_stored
from moderation.roles import Actor
from moderation.workflow.transitions import can_see
from portal.accounts.permissions import actor_of, staff_user
from portal.locale_context import gettext
from portal.locale_context import lazy_gettext as N_
from portal.roles import CASE_WRITERS
from portal.track.common import intake_keys, settings_of
from portal.track.staff_files import REFERENCE_MAX, download_name
from portal.web import db_session

log = logging.getLogger("portal.queue")
THUMB_MAX_SOURCE_BYTES = 20 * 1024 * 1024
PDF_COUNT_MAX_BYTES = 20 * 1024 * 1024


METADATA_NOTES = {
    MetadataStatus.kept: N_("Metadata could not be removed"),
    MetadataStatus.partial: N_("Metadata partly removed: tags, location and times are gone, "
                               "but the video stream itself may still carry camera details"),
}


@dataclass(frozen=True)
class Evidence:
    """One file as the case page lists it (urls are None where the viewer may not fetch)."""

    id: int
    name: str
    size: int
    media_type: str
    type_label: str
    url: str | None
    thumb_url: str | None
    pages: int | None
    metadata_note: str | None  # a warning when metadata could not be removed completely


def may_fetch(actor: Actor, submission: Submission) -> bool:
    """The download's rule: moderators, and handlers of the lead's responsible unit."""
    return actor.role in CASE_WRITERS and can_see(submission, actor)


def _type_label(row: SubmissionFile) -> str:
    extension = row.extension.upper()[:10]
    if row.media_type.startswith("image/"):
        kind = gettext("Image")
    elif row.media_type == "application/pdf":
        kind = gettext("PDF document")
    elif row.media_type.startswith("audio/"):
        kind = gettext("Audio")
    elif row.media_type.startswith("video/"):
        kind = gettext("Video")
    else:
        kind = gettext("Document")
    return f"{kind} ({extension})" if extension else kind


def _pdf_pages(upload_dir: object, keys: IntakeKeys, submission: Submission,
               row: SubmissionFile) -> int | None:
    """The page count of a cleaned PDF (rewritten by pypdf at intake), counted in the
    worker sandbox."""
    if row.size > PDF_COUNT_MAX_BYTES or submission.wrapped_key is None:
        return None
    try:
        with open_stored(upload_dir, keys, submission, row) as reader:  # type: ignore[arg-type]
            data = b"".join(reader.chunks())
    except (OSError, ValueError):
        return None
    return pdf_pages_in_worker(data)


def case_evidence(db: Session, request: Request, actor: Actor,
                  submission: Submission) -> list[Evidence]:
    """The files of a case with what the viewer may open (thumbnails of images)."""
    rows = list(db.exec(select(SubmissionFile).where(
        col(SubmissionFile.submission_id) == submission.id).order_by(col(SubmissionFile.id))))
    fetch = may_fetch(actor, submission) and submission.wrapped_key is not None
    base = f"/staff/submissions/{submission.reference}/files"
    out = []
    for row in rows:
        assert row.id is not None
        is_image = row.media_type.startswith("image/")
        pages = None
        if fetch and row.media_type == "application/pdf":
            pages = _pdf_pages(settings_of(request).upload_dir, intake_keys(request),
                               submission, row)
        out.append(Evidence(
            row.id, download_name(submission, row), row.size, row.media_type,
            _type_label(row), f"{base}/{row.id}" if fetch else None,
            f"{base}/{row.id}/thumb" if fetch and is_image else None, pages,
            METADATA_NOTES.get(row.metadata_status)))
    return out


def audit_thumbnails(db: Session, actor: Actor, submission: Submission,
                     evidence: list[Evidence], clock: Clock) -> None:
    """One audit event for a view of the case that shows image thumbnails (caller commits)."""
    shown = [e.id for e in evidence if e.thumb_url]
    if shown:
        record(db, actor, "submission.files_view", "submission", submission.id,
               after={"reference": submission.reference, "file_ids": shown}, clock=clock)


def thumbnail(request: Request) -> Response:
    """GET /staff/submissions/{reference}/files/{file_id}/thumb: a small JPEG of the
    cleaned image, under the download's access rules (audited with the case view)."""
    reference = str(request.path_params["reference"])[:REFERENCE_MAX + 1]
    file_id = int(request.path_params["file_id"])
    actor = actor_of(staff_user(request))
    with db_session(request) as db:
        submission = db.exec(select(Submission).where(
            col(Submission.reference) == reference)).first()
        row = db.get(SubmissionFile, file_id)
        if (submission is None or row is None or row.submission_id != submission.id
                or submission.wrapped_key is None or not may_fetch(actor, submission)
                or not row.media_type.startswith("image/")
                or row.size > THUMB_MAX_SOURCE_BYTES):
            raise HTTPException(status_code=404)
    with open_stored(settings_of(request).upload_dir, intake_keys(request), submission,
                     row) as reader:
        data = b"".join(reader.chunks())
    try:
        body = thumbnail_in_worker(data)
    except FileRejected:
        log.warning("thumbnail failed for file %s", file_id)
        raise HTTPException(status_code=404) from None
    return Response(body, media_type="image/jpeg", headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "no-store",
    })
