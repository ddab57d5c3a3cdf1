"""Routes of citizen follow-up (/track) and the staff file download."""

from __future__ import annotations

from portal.roles import CASE_WRITERS, PUBLIC
from portal.routing import route
from portal.track.case import case_page, post_answer, post_message, post_rating, post_review
from portal.track.entry import sign_out, track_form, track_open
from portal.track.staff_files import download_file
from portal.track.uploads import FIELD_BYTES, MAX_FIELDS

# Streamed routes check their size while reading; this bound only refuses absurd bodies
# early (the real caps come from settings, see `uploads.max_body`).
STREAM_MAX_BODY = 10 * 1024**3

routes = [
    route("/track", track_form, roles=PUBLIC, name="track"),
    route("/track", track_open, roles=PUBLIC, methods=["POST"], name="track_open"),
    route("/track/case", case_page, roles=PUBLIC, name="track_case"),
    route("/track/case/message", post_message, roles=PUBLIC, methods=["POST"], name="track_message",
          stream=True, max_body=STREAM_MAX_BODY),
    route("/track/case/questions/{question_id:int}/answer", post_answer, roles=PUBLIC,
          methods=["POST"],
          name="track_answer", stream=True, max_body=STREAM_MAX_BODY),
    route("/track/case/rating", post_rating, roles=PUBLIC, methods=["POST"], name="track_rating",
          max_fields=MAX_FIELDS, max_part_size=FIELD_BYTES),
    route("/track/case/review", post_review, roles=PUBLIC, methods=["POST"], name="track_review",
          max_fields=MAX_FIELDS, max_part_size=FIELD_BYTES),
    route("/track/sign-out", sign_out, roles=PUBLIC, methods=["POST"], name="track_sign_out"),
    route("/staff/submissions/{reference:str}/files/{file_id:int}", download_file,
          roles=CASE_WRITERS,
          name="staff_file_download"),
]
