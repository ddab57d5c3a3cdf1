"""Similar-case hints: earlier or later submissions about the same unit or person, with
similar text (Jaccard similarity of their sets of blind token hashes above a threshold).

Candidates come from the blind index: same unit concerned, or a document that holds
every token of one of the names in "people concerned", and sharing at least one of a
sample of the submission's token hashes; only the newest `CANDIDATES` are compared.
The caller checks that the actor may see the hints (moderators only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlmodel import Session, col

from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.intake.texts import case_texts
from moderation.queue.blind import blind_query
from moderation.queue.models import SubmissionSearch
from moderation.queue.search import dialect_of, matching_ids

THRESHOLD = 0.3
CANDIDATES = 200
SAMPLE_TOKENS = 24
_NAME_SPLIT = re.compile(r"[\s,，、;；/|]+")


@dataclass(frozen=True)
class SimilarCase:
    submission_id: int
    reference: str
    score: float  # Jaccard similarity, 0..1
    same_unit: bool


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
    related = []
    if submission.unit_concerned_id is not None:
        related.append(col(Submission.unit_concerned_id) == submission.unit_concerned_id)
    people = case_texts(keys, submission).people_concerned
    for name in _NAME_SPLIT.split(people):
        hashes = blind_query(keys.search, name, max_terms=1)
        if len(name) >= 2 and hashes:
            related.append(col(Submission.id).in_(matching_ids(dialect, hashes)))
    if not related:
        return []
    ordered = sorted(own)
    step = max(1, len(ordered) // SAMPLE_TOKENS)
    sample = ordered[::step][:SAMPLE_TOKENS]
    rows = session.execute(
        select(Submission.id, Submission.reference, Submission.unit_concerned_id,
               SubmissionSearch.document)
        .join(SubmissionSearch, col(SubmissionSearch.submission_id) == col(Submission.id))
        .where(col(Submission.id) != submission.id, or_(*related),
               col(Submission.id).in_(
                   matching_ids(dialect, sample, any_term=True)))
        .order_by(col(Submission.received_at).desc(), col(Submission.id).desc())
        .limit(CANDIDATES)).all()
    hints = []
    for row in rows:
        score = jaccard(own, _shingles(row.document))
        if score >= threshold:
            same_unit = (submission.unit_concerned_id is not None
                         and row.unit_concerned_id == submission.unit_concerned_id)
            hints.append(SimilarCase(row.id, row.reference, round(score, 3), same_unit))
    hints.sort(key=lambda h: (-h.score, h.submission_id))
    return hints[:limit]
