"""Similar-case hints: earlier or later submissions with similar text (Jaccard similarity
of their sets of blind token hashes) that concern the same unit or person, or came in
close in time.

Candidates: same unit concerned, or a document that holds every token of one of the
names in "people concerned" (from the blind index), or received within `CLOSE_DAYS`; the
newest `CANDIDATES` of each are compared. A candidate related only by time must be more
alike (`TIME_ONLY_THRESHOLD`). (Asking the index for documents sharing any of a sample
of common bigrams matched most of the table and cost over a second at 100,000 cases.)
The caller checks that the actor may see the hints (moderators only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionState
from moderation.intake.texts import case_texts
from moderation.queue.blind import blind_query
from moderation.queue.models import SubmissionSearch
from moderation.queue.search import dialect_of, matching_ids

THRESHOLD = 0.3
TIME_ONLY_THRESHOLD = 0.6  # related only by time: must be told almost alike
CLOSE_DAYS = 30
CANDIDATES = 200
_NAME_SPLIT = re.compile(r"[\s,，、;；/|]+")


@dataclass(frozen=True)
class SimilarCase:
    submission_id: int
    reference: str
    score: float  # Jaccard similarity, 0..1
    same_unit: bool
    open: bool = True  # not rejected: it can be the main case of a duplicate


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _shingles(document: str) -> set[str]:
    # The index holds only bigrams and words (no single characters): all count.
    return set(document.split())


def similar_cases(session: Session, keys: IntakeKeys, submission: Submission,
                  limit: int = 5, threshold: float = THRESHOLD) -> list[SimilarCase]:
    """Up to `limit` other submissions similar to `submission`, most similar first."""
    if submission.id is None:
        return []
    own_row = session.get(SubmissionSearch, submission.id)
    own = _shingles(own_row.document) if own_row else set()
    if not own:
        return []
    dialect = dialect_of(session)
    related = []  # same unit concerned, or names one of the same people
    if submission.unit_concerned_id is not None:
        related.append(col(Submission.unit_concerned_id) == submission.unit_concerned_id)
    people = case_texts(keys, submission).people_concerned
    for name in _NAME_SPLIT.split(people):
        hashes = blind_query(keys.search, name, max_terms=1)
        if len(name) >= 2 and hashes:
            related.append(col(Submission.id).in_(matching_ids(dialect, hashes)))
    received = submission.received_at
    close = col(Submission.received_at).between(received - timedelta(days=CLOSE_DAYS),
                                                received + timedelta(days=CLOSE_DAYS))
    # One query per reason (an OR of them scans the whole table), without the documents
    # (joining them before the LIMIT reads every related document).
    found: dict[int, Any] = {}
    strong: set[int] = set()
    for clause in [*related, close]:
        for row in session.execute(
                select(Submission.id, Submission.reference, Submission.unit_concerned_id,
                       Submission.received_at, Submission.state)
                .where(col(Submission.id) != submission.id, clause)
                .order_by(col(Submission.received_at).desc(), col(Submission.id).desc())
                .limit(CANDIDATES)):
            found[row.id] = row
            if clause is not close:
                strong.add(row.id)
    rows = sorted(found.values(), key=lambda r: (r.received_at, r.id), reverse=True)
    rows = rows[:CANDIDATES]
    documents = dict(session.execute(
        select(SubmissionSearch.submission_id, SubmissionSearch.document)
        .where(col(SubmissionSearch.submission_id).in_([r.id for r in rows]))).all())
    hints = []
    for row in rows:
        score = jaccard(own, _shingles(documents.get(row.id, "")))
        if score >= (threshold if row.id in strong else max(threshold, TIME_ONLY_THRESHOLD)):
            same_unit = (submission.unit_concerned_id is not None
                         and row.unit_concerned_id == submission.unit_concerned_id)
            hints.append(SimilarCase(row.id, row.reference, round(score, 3), same_unit,
                                     row.state != SubmissionState.rejected))
    hints.sort(key=lambda h: (-h.score, h.submission_id))
    return hints[:limit]
