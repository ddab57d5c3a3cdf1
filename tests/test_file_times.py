"""No precise time anywhere: every file and folder under the upload folder carries access
and modification times on the hour, after uploads, refusals, drafts, sending and reading."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from moderation.intake.filetimes import list_quietly
from moderation.intake.models import Submission, SubmissionFile
from moderation.roles import Role
from tests.conftest import login
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_intake_sanitize import jpeg_with_gps
from tests.test_intake_web import CONTENT, post_form, send, three_files, tip_confirmation

HOUR_NS = 3600 * 10**9


def quiet_walk(root: Path) -> list[Path]:
    """`root` and everything under it, listed without touching any folder's access time."""
    found = [root]
    for path in list_quietly(root):
        found += quiet_walk(path) if path.is_dir() else [path]
    return found


def precise_times(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` (itself included) whose atime or mtime is not on the hour."""
    found = {}
    for path in quiet_walk(root):
        status = os.stat(path)
        if status.st_mtime_ns % HOUR_NS or status.st_atime_ns % HOUR_NS:
            found[str(path.relative_to(root))] = (status.st_mtime_ns, status.st_atime_ns)
    return found


def test_every_time_under_the_upload_folder_is_on_the_hour(
        client: Any, db: Session, settings: Any, make_user: Any) -> None:
    uploads = Path(settings.upload_dir)
    # A refused file (the upload is deleted again) ...
    refused = post_form(client, "/submit/tip", {"content": CONTENT},
                        [("evidence", ("notes.txt", jpeg_with_gps(), "image/jpeg"))])
    assert refused.status_code == 422
    # ... a draft left waiting on its confirmation page ...
    tip_confirmation(client, three_files()[:1])
    # ... and a tip with three files, sent.
    sent = send(client, tip_confirmation(client, three_files()))
    assert sent.status_code == 200
    paths = quiet_walk(uploads)
    assert len([p for p in paths if p.suffix == ".enc"]) == 3
    assert [p for p in paths if p.name == "manifest.bin"]  # the waiting draft

    make_user(Role.moderator)
    login(client, "moderator1")
    for row in db.exec(select(SubmissionFile)):
        reference = db.get(Submission, row.submission_id).reference  # type: ignore[union-attr]
        response = client.get(f"/staff/submissions/{reference}/files/{row.id}")
        assert response.status_code == 200

    assert precise_times(uploads) == {}
