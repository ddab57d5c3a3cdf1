"""What citizens write, sealed with their submission's own key, and the one way to read it.

Sealed (AES-256-GCM under the submission's data key, see `crypto.seal`):
- the submission's text: content, people concerned, when and where (one JSON value);
- the citizen's follow-up messages and answers (`CaseMessage.body_sealed`);
- the comment of a rating and the reason of a review request.
Staff-written texts (replies, questions, notes, findings) stay plain: they are the
portal's own words, and replies are published with the citizen's consent.

Read everything through `case_texts(keys, submission)`: it unwraps the data key once
and opens each text on demand. Once the key is erased, every text reads as "" and
`CaseTexts.erased` is true, so pages can say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from moderation.intake.crypto import DecryptionFailed, open_sealed, seal
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import CaseMessage, CaseRating, ReviewRequest, Submission
from moderation.intake.storage import data_key_of

# Lengths say something about a text; padding to blocks says less.
TEXT_PAD = 256
SHORT_PAD = 64


@dataclass(frozen=True)
class SubmissionText:
    """The citizen-written fields of a submission, in plaintext (never stored as such)."""

    content: str = ""
    people_concerned: str = ""
    happened_when: str = ""
    happened_where: str = ""


def _text_context(reference: str) -> str:
    return f"{reference}/text"


def _part_context(reference: str, part: str) -> str:
    return f"{reference}/{part}"


def seal_submission_text(data_key: bytes, reference: str, text: SubmissionText) -> bytes:
    """The sealed form of a submission's text, for `Submission.text_sealed`."""
    payload = json.dumps({"content": text.content, "people": text.people_concerned,
                          "when": text.happened_when, "where": text.happened_where},
                         ensure_ascii=False, separators=(",", ":")).encode()
    return seal(data_key, payload, _text_context(reference), pad_to=TEXT_PAD)


def seal_part(data_key: bytes, reference: str, part: str, text: str) -> bytes | None:
    """A citizen's message, rating comment or review reason, sealed (None when empty).

    `part` names the kind of text ("message", "rating", "review"); a sealed value only
    opens under the same reference and part.
    """
    if not text:
        return None
    return seal(data_key, text.encode(), _part_context(reference, part), pad_to=SHORT_PAD)


def open_submission_text(data_key: bytes, reference: str, blob: bytes | None) -> SubmissionText:
    """Open a value made by `seal_submission_text` (DecryptionFailed when altered)."""
    if not blob:
        return SubmissionText()
    values = json.loads(open_sealed(data_key, blob, _text_context(reference)).decode())
    return SubmissionText(str(values.get("content", "")), str(values.get("people", "")),
                          str(values.get("when", "")), str(values.get("where", "")))


class CaseTexts:
    """The texts of one submission, opened with its data key (unwrapped once, lazily).

    Build it with `case_texts`; read `.content`, `.people_concerned`, `.happened_when`,
    `.happened_where`, and `message_body(row)`, `rating_comment(row)`,
    `review_reason(row)` for the rows of the same submission.
    """

    def __init__(self, keys: IntakeKeys, submission: Submission) -> None:
        self.submission = submission
        self._keys = keys

    @cached_property
    def _data_key(self) -> bytes | None:
        if self.submission.wrapped_key is None:
            return None
        return data_key_of(self._keys, self.submission)

    @property
    def erased(self) -> bool:
        """True once the submission's key is gone: nothing citizen-written can be read."""
        return self.submission.wrapped_key is None

    @cached_property
    def text(self) -> SubmissionText:
        """The submission's own text (empty once erased)."""
        key = self._data_key
        if key is None:
            return SubmissionText()
        return open_submission_text(key, self.submission.reference, self.submission.text_sealed)

    @property
    def content(self) -> str:
        return self.text.content

    @property
    def people_concerned(self) -> str:
        return self.text.people_concerned

    @property
    def happened_when(self) -> str:
        return self.text.happened_when

    @property
    def happened_where(self) -> str:
        return self.text.happened_where

    def excerpt(self, length: int) -> str:
        """The first `length` characters of the content."""
        return self.content[:length]

    def _open(self, part: str, blob: bytes | None) -> str:
        key = self._data_key
        if blob is None or key is None:
            return ""
        return open_sealed(key, blob, _part_context(self.submission.reference, part)).decode()

    def message_body(self, row: CaseMessage) -> str:
        """A message's text: the citizen's sealed body, or a staff member's plain one."""
        if row.body_sealed is not None:
            return self._open("message", row.body_sealed).rstrip(" ")
        return row.body

    def rating_comment(self, row: CaseRating) -> str:
        return self._open("rating", row.comment_sealed).rstrip(" ")

    def review_reason(self, row: ReviewRequest) -> str:
        return self._open("review", row.reason_sealed).rstrip(" ")


def case_texts(keys: IntakeKeys, submission: Submission) -> CaseTexts:
    """The accessor every page, export and notification reads citizen texts through."""
    return CaseTexts(keys, submission)


__all__ = ["CaseTexts", "DecryptionFailed", "SubmissionText", "case_texts",
           "open_submission_text", "seal_part", "seal_submission_text"]
