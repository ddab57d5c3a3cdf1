"""Cases and the ledger: items made from concluded cases, links, and the track view.

`create_from_case` accepts a concluded case whose outcome confirms a problem: a tip
substantiated or partly substantiated, a suggestion adopted or partly adopted
(`Submission.outcome`, set by the workflow's conclusion).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, NotFound, ValidationFailed
from moderation.intake.models import Outcome, Submission, SubmissionKind, SubmissionState
from moderation.ledger import messages as m
from moderation.ledger.common import get_item, snapshot
from moderation.ledger.items import create_item
from moderation.ledger.models import LedgerCaseLink, LedgerItem, LedgerStatus
from moderation.roles import Actor

CONFIRMING_OUTCOMES = {
    SubmissionKind.tip: frozenset({Outcome.substantiated, Outcome.partly_substantiated}),
    SubmissionKind.suggestion: frozenset({Outcome.adopted, Outcome.partly_adopted}),
}


def check_case_confirms(submission: Submission) -> None:
    """Raise InvalidTransition unless the case is concluded with a confirming outcome."""
    if submission.state != SubmissionState.concluded:
        raise InvalidTransition(m.CASE_NOT_CONCLUDED)
    if submission.outcome not in CONFIRMING_OUTCOMES[SubmissionKind(submission.kind)]:
        raise InvalidTransition(m.CASE_OUTCOME_NOT_CONFIRMED)


def _submission(session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"submission {submission_id}")
    return submission


def link_case(session: Session, actor: Actor, item_id: int, submission_id: int, *,
              clock: Clock = system_clock) -> LedgerCaseLink:
    """Say that a case fed an item (many cases may feed one item)."""
    item = get_item(session, item_id)
    _submission(session, submission_id)
    existing = session.exec(select(LedgerCaseLink).where(
        LedgerCaseLink.item_id == item_id,
        LedgerCaseLink.submission_id == submission_id)).first()
    if existing is not None:
        raise ValidationFailed({"submission_id": m.ALREADY_LINKED})
    link = LedgerCaseLink(item_id=item.id, submission_id=submission_id,  # type: ignore[arg-type]
                          linked_by_id=actor.id, created_at=clock())
    session.add(link)
    session.flush()
    record(session, actor, "ledger_case.link", "ledger_item", item_id,
           after={"submission_id": submission_id, "link_id": link.id}, clock=clock)
    return link


def unlink_case(session: Session, actor: Actor, item_id: int, submission_id: int, *,
                clock: Clock = system_clock) -> None:
    """Remove a link made by mistake."""
    link = session.exec(select(LedgerCaseLink).where(
        LedgerCaseLink.item_id == item_id,
        LedgerCaseLink.submission_id == submission_id)).first()
    if link is None:
        raise NotFound(f"link of submission {submission_id} to item {item_id}")
    before = snapshot(link)
    session.delete(link)
    session.flush()
    record(session, actor, "ledger_case.unlink", "ledger_item", item_id, before=before,
           clock=clock)


def create_from_case(session: Session, actor: Actor, submission_id: int,
                     values: dict[str, Any], *, status: LedgerStatus = LedgerStatus.planned,
                     clock: Clock = system_clock) -> LedgerItem:
    """Put the problem a concluded case confirmed on the ledger, linked to the case.

    `values` are the item's fields; the responsible unit defaults to the case's
    responsible unit, else the unit it concerned. The case text is never copied: staff
    write the public texts."""
    submission = _submission(session, submission_id)
    check_case_confirms(submission)
    values = dict(values)
    if values.get("unit_id") is None:
        unit_id = submission.responsible_unit_id or submission.unit_concerned_id
        if unit_id is not None:
            values["unit_id"] = unit_id
    item = create_item(session, actor, values, status=status, clock=clock)
    assert item.id is not None
    link_case(session, actor, item.id, submission_id, clock=clock)
    return item


def items_for_submission(session: Session, submission_id: int, *,
                         public_only: bool) -> list[LedgerItem]:
    """The items a case fed (only public ones for the citizen's track page)."""
    query = (select(LedgerItem).join(LedgerCaseLink, col(LedgerCaseLink.item_id) == LedgerItem.id)
             .where(LedgerCaseLink.submission_id == submission_id)
             .order_by(col(LedgerItem.id)))
    if public_only:
        query = query.where(LedgerItem.public == True)  # noqa: E712
    return list(session.exec(query))


def submissions_for_item(session: Session, item_id: int) -> list[int]:
    """Ids of the cases linked to an item (staff only: never on a public page)."""
    return list(session.exec(select(LedgerCaseLink.submission_id)
                             .where(LedgerCaseLink.item_id == item_id)
                             .order_by(col(LedgerCaseLink.id))))
