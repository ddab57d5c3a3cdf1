"""Words for the citizen's case page: step titles, who verifies, outcomes, deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from moderation.intake.case_history import Step, StepKind
from moderation.intake.models import (
    Category,
    HandlingMode,
    Outcome,
    Submission,
    SubmissionKind,
)
from moderation.intake.texts import CaseTexts
from moderation.units import Unit
from portal.locale_context import lazy_gettext as N_

TITLES: dict[StepKind, str] = {
    StepKind.received: N_("Received"),
    StepKind.accepted: N_("Accepted"),
    StepKind.not_accepted: N_("Not accepted"),
    StepKind.merged: N_("Handled together with another case"),
    StepKind.verifying: N_("Under verification"),
    StepKind.extended: N_("Time for handling extended"),
    StepKind.question: N_("Question for you"),
    StepKind.answer: N_("Your answer"),
    StepKind.information: N_("Information you added"),
    StepKind.reply: N_("Reply"),
    StepKind.concluded: N_("Concluded"),
    StepKind.review_requested: N_("You requested a review"),
    StepKind.reopened: N_("Review granted: the case is verified again"),
    StepKind.upheld: N_("Review decided: the conclusion stands"),
    StepKind.rated: N_("Your rating"),
}

# Which kind of unit verifies a lead (办理方式), as a citizen would put it.
MODES: dict[HandlingMode, str] = {
    HandlingMode.direct: N_("Verified by the responsible unit itself (direct handling)"),
    HandlingMode.escalated: N_("Verified by a unit at a higher level (escalated handling)"),
    HandlingMode.cross_unit: N_("Verified by another unit of the same level "
                                "(cross-unit handling)"),
    HandlingMode.off_site: N_("Verified by a unit from another area (off-site handling)"),
    HandlingMode.leader_owned: N_("A leader takes personal charge of it "
                                  "(leader-owned case)"),
}

OUTCOMES: dict[Outcome, str] = {
    Outcome.substantiated: N_("Substantiated"),
    Outcome.partly_substantiated: N_("Partly substantiated"),
    Outcome.unsubstantiated: N_("Unsubstantiated"),
    Outcome.adopted: N_("Adopted"),
    Outcome.partly_adopted: N_("Partly adopted"),
    Outcome.noted: N_("Noted for reference"),
}

REASONS = {
    "spam": N_("It does not contain a report or a suggestion."),
    "out_of_scope": N_("It is outside the scope of this campaign."),
    "abusive": N_("Its content is abusive."),
    "duplicate": N_("It concerns a matter already being handled."),
    "insufficient_information": N_("It does not contain enough information to be verified."),
}


@dataclass(frozen=True)
class Deadline:
    label: str  # English message id
    due: date
    passed: bool
    note: str = ""


def step_words(step: Step) -> dict[str, Any]:
    """The translated title and detail line of one step (message ids; the template
    translates)."""
    detail = ""
    if step.kind == StepKind.accepted and step.mode is not None:
        detail = MODES[step.mode]
    elif step.kind in (StepKind.not_accepted, StepKind.merged) and step.reject_reason:
        detail = REASONS.get(step.reject_reason.value, "")
    return {"title": TITLES[step.kind], "detail": detail,
            "outcome": OUTCOMES[step.outcome] if step.outcome else ""}


def what_was_sent(db: Session, texts: CaseTexts, submission: Submission) -> dict[str, Any]:
    """The citizen's own words (read through the sealed-text accessor) and choices."""
    unit = db.get(Unit, submission.unit_concerned_id) if submission.unit_concerned_id \
        else None
    category = db.get(Category, submission.category_id) \
        if submission.category_id and submission.kind == SubmissionKind.suggestion else None
    return {"content": texts.content, "people": texts.people_concerned,
            "when": texts.happened_when, "where": texts.happened_where,
            "erased": texts.erased,
            "unit": unit.name if unit else None,
            "category": category.name if category else None}
