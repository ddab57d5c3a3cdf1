"""What a citizen is told about their case: a few coarse public statuses.

Internal states are detailed and may grow; the public side keeps to five statuses, each
with a plain explanation (FixMyStreet and Open311 do the same). Message ids are English
and marked for extraction; the web layer translates them when it shows them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlmodel import Session

from moderation.intake.models import Submission, SubmissionState


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


class PublicStatus(enum.StrEnum):
    received = "received"
    under_review = "under_review"
    not_accepted = "not_accepted"
    being_handled = "being_handled"
    concluded = "concluded"


PUBLIC_STATUS: dict[SubmissionState, PublicStatus] = {
    SubmissionState.new: PublicStatus.received,
    SubmissionState.in_review: PublicStatus.under_review,
    SubmissionState.rejected: PublicStatus.not_accepted,
    SubmissionState.accepted: PublicStatus.being_handled,
    SubmissionState.verifying: PublicStatus.being_handled,
    SubmissionState.concluded: PublicStatus.concluded,
}

LABELS: dict[PublicStatus, str] = {
    PublicStatus.received: _("Received"),
    PublicStatus.under_review: _("Under review"),
    PublicStatus.not_accepted: _("Not accepted"),
    PublicStatus.being_handled: _("Being handled"),
    PublicStatus.concluded: _("Concluded"),
}

EXPLANATIONS: dict[PublicStatus, str] = {
    PublicStatus.received: _(
        "Your submission has been received and is waiting to be reviewed. A decision on "
        "whether to accept it is due by the date shown below."),
    PublicStatus.under_review: _(
        "A moderator is reviewing your submission to decide whether it can be accepted "
        "and which unit should handle it."),
    PublicStatus.not_accepted: _(
        "Your submission was not accepted. The reply below explains why. You may send "
        "more information if you think the decision was wrong."),
    PublicStatus.being_handled: _(
        "Your submission was accepted and a unit is looking into it. It must be "
        "concluded by the date shown below."),
    PublicStatus.concluded: _(
        "The handling of your submission is concluded. The reply below gives the result. "
        "You may rate it, and request a review within the time shown."),
}


@dataclass(frozen=True)
class PublicView:
    """The public status of a case, with English message ids for its label and meaning."""

    status: PublicStatus
    label: str
    explanation: str


def public_status(state: SubmissionState) -> PublicStatus:
    """The coarse public status of an internal state."""
    return PUBLIC_STATUS[SubmissionState(state)]


def public_view(state: SubmissionState) -> PublicView:
    """Status, label and explanation (message ids) of an internal state."""
    status = public_status(state)
    return PublicView(status, LABELS[status], EXPLANATIONS[status])


def main_case(session: Session, submission: Submission) -> Submission | None:
    """The case this one was merged into as a duplicate (set by the queue), or None.

    The citizen of a duplicate sees the main case's public status.
    """
    main_id = submission.duplicate_of_id
    if not main_id or main_id == submission.id:
        return None
    return session.get(Submission, main_id)
