"""Items made from concluded cases, links (many cases to one item), the track view."""

from __future__ import annotations

import pytest
from sqlmodel import select

from moderation.audit import AuditEvent, verify
from moderation.errors import InvalidTransition, ValidationFailed
from moderation.intake.models import Outcome, SubmissionKind, SubmissionState
from moderation.ledger import messages as m
from moderation.ledger.cases import (
    create_from_case,
    items_for_submission,
    link_case,
    submissions_for_item,
    unlink_case,
)
from tests.ledger_support import STAFF, make_item, make_submission, make_unit

TITLE = {"zh_CN": "接报案件不登记", "en": "Reports not registered"}


def test_concluded_substantiated_case_creates_a_linked_item(db, clock) -> None:
    unit = make_unit(db)
    case = make_submission(db, unit=unit)
    item = create_from_case(db, STAFF, case.id, {"title": TITLE, "public": True}, clock=clock)
    assert item.unit_id == unit.id  # defaults to the unit the case concerned
    assert item.description == {}  # the citizen's text is never copied
    assert [i.id for i in items_for_submission(db, case.id, public_only=True)] == [item.id]
    assert submissions_for_item(db, item.id) == [case.id]
    db.commit()
    assert [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.seq))] == [
        "ledger_item.create", "ledger_case.link"]
    assert verify(db) == []


@pytest.mark.parametrize(("kind", "state", "outcome", "message"), [
    (SubmissionKind.tip, SubmissionState.verifying, None, m.CASE_NOT_CONCLUDED),
    (SubmissionKind.tip, SubmissionState.concluded, Outcome.unsubstantiated,
     m.CASE_OUTCOME_NOT_CONFIRMED),
    (SubmissionKind.suggestion, SubmissionState.concluded, Outcome.noted,
     m.CASE_OUTCOME_NOT_CONFIRMED),
])
def test_only_confirmed_concluded_cases_go_on_the_ledger(db, clock, kind, state, outcome,
                                                        message) -> None:
    unit = make_unit(db)
    case = make_submission(db, kind=kind, state=state, outcome=outcome)
    with pytest.raises(InvalidTransition) as refused:
        create_from_case(db, STAFF, case.id, {"title": TITLE, "unit_id": unit.id},
                         clock=clock)
    assert str(refused.value) == message


def test_adopted_suggestion_is_accepted(db, clock) -> None:
    unit = make_unit(db)
    case = make_submission(db, kind=SubmissionKind.suggestion, outcome=Outcome.partly_adopted)
    item = create_from_case(db, STAFF, case.id, {"title": TITLE, "unit_id": unit.id},
                            clock=clock)
    assert submissions_for_item(db, item.id) == [case.id]


def test_many_cases_link_to_one_item_and_internal_items_stay_hidden(db, clock) -> None:
    unit = make_unit(db)
    public_item = make_item(db, clock, unit, public=True)
    internal_item = make_item(db, clock, unit, "内部", public=False)
    first, second = make_submission(db), make_submission(db)
    link_case(db, STAFF, public_item.id, first.id, clock=clock)
    link_case(db, STAFF, public_item.id, second.id, clock=clock)
    link_case(db, STAFF, internal_item.id, first.id, clock=clock)
    with pytest.raises(ValidationFailed):
        link_case(db, STAFF, public_item.id, first.id, clock=clock)
    assert submissions_for_item(db, public_item.id) == [first.id, second.id]
    assert [i.id for i in items_for_submission(db, first.id, public_only=True)] == [
        public_item.id]
    assert {i.id for i in items_for_submission(db, first.id, public_only=False)} == {
        public_item.id, internal_item.id}
    unlink_case(db, STAFF, public_item.id, second.id, clock=clock)
    assert items_for_submission(db, second.id, public_only=False) == []
