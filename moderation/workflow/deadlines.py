"""Which statutory due date applies in each state, and whether it has passed.

A decision (accept or reject) is due within 15 days of receipt while the submission is
new or in review; the handling is due by `handling_due_on` while it is accepted or being
verified. Rejected and concluded cases have no running clock.
"""

from __future__ import annotations

from datetime import date, datetime

from moderation.intake import deadlines as clocks
from moderation.intake.deadlines import DEFAULT_TIMEZONE
from moderation.intake.models import Submission, SubmissionState

DECISION_STATES = (SubmissionState.new, SubmissionState.in_review)
HANDLING_STATES = (SubmissionState.accepted, SubmissionState.verifying)


def due_on(submission: Submission) -> date | None:
    """The due date that applies now, or None when no clock runs."""
    if submission.state in DECISION_STATES:
        return submission.decision_due_on
    if submission.state in HANDLING_STATES:
        return submission.handling_due_on
    return None


def is_overdue(submission: Submission, now: datetime, tz: str = DEFAULT_TIMEZONE) -> bool:
    """True once the applicable due day has passed in the campaign's time zone."""
    return clocks.is_overdue(due_on(submission), now, tz)
