"""The duplicate link, both ways, and which case a duplicate's citizen is shown."""

from __future__ import annotations

from sqlmodel import Session, col, select

from moderation.intake.models import Submission

_MAX_HOPS = 10  # links always point at a root, so chains are short; bound them anyway


def root_case(session: Session, submission: Submission) -> Submission:
    """Follow duplicate links to the case at the end of the chain."""
    current, seen = submission, {submission.id}
    for _hop in range(_MAX_HOPS):
        if current.duplicate_of_id is None or current.duplicate_of_id in seen:
            break
        main = session.get(Submission, current.duplicate_of_id)
        if main is None:
            break
        seen.add(main.id)
        current = main
    return current


def duplicates_of(session: Session, main_id: int) -> list[Submission]:
    """The submissions marked as duplicates of this main case, oldest first."""
    return list(session.exec(select(Submission).where(
        col(Submission.duplicate_of_id) == main_id).order_by(col(Submission.received_at),
                                                             col(Submission.id))))


def public_view_target(session: Session, submission: Submission) -> Submission:
    """The case whose public status the citizen of `submission` sees: the main case
    when it was merged as a duplicate, else itself."""
    return root_case(session, submission)
