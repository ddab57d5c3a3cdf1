"""A whole case through the domain: submit, claim, classify, accept off-site, the
handler asks, the citizen answers, the handler concludes, the citizen rates; the audit
chain holds every staff step, verifies, and never holds the citizen's identity."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.models import (
    HandlingMode,
    MessageKind,
    Outcome,
    Rating,
    SubmissionState,
)
from moderation.intake.public_status import PublicStatus, public_status
from moderation.intake.service import find_by_receipt
from moderation.workflow import claims, handling, triage
from tests.workflow_support import KEYS, SECRET_NAME, SECRET_PHONE, make_world, submit


def test_full_journey_is_audited_and_the_chain_verifies(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                        clock: FixedClock) -> None:
    world = make_world(db, make_user)
    receipt = submit(db, clock, world, named=True).receipt

    clock.advance(hours=3)
    sub = claims.claim_next(db, world.moderator, clock=clock)
    assert sub is not None
    assert sub.id is not None
    sub = triage.classify(db, world.moderator, sub.id, sub.version, category_id=None,
                          unit_concerned_id=world.accused.id, priority="high", clock=clock)
    sub = triage.accept(db, world.moderator, sub.id, sub.version, mode=HandlingMode.off_site,
                        responsible_unit_id=world.verifier.id, handler_id=world.handler.id,
                        clock=clock)
    db.commit()

    clock.advance(days=1)
    sub = handling.start_verification(db, world.handler, sub.id, sub.version, clock=clock)
    sub = handling.add_note(db, world.handler, sub.id, sub.version, "内部：已调取户籍窗口录像",
                            clock=clock)
    sub = handling.ask_citizen(db, world.handler, sub.id, sub.version,
                               "请问当时经办民警的警号是多少？", clock=clock)
    db.commit()

    # The citizen comes back with the receipt and answers on the track page.
    clock.advance(days=2)
    case = find_by_receipt(db, KEYS, receipt)
    assert case is not None
    assert case.id == sub.id
    question = followup.open_questions(db, case.id)[0]
    assert question.id is not None
    followup.answer_question(db, case, question.id, "警号尾号是 1234。", keys=KEYS, clock=clock)
    db.commit()
    assert case.awaiting_citizen is False

    clock.advance(days=5)
    sub = handling.conclude(db, world.handler, sub.id, case.version,
                            outcome=Outcome.substantiated, finding="录像与证言证实索要好处费",
                            public_reply="经异地核查，您反映的问题属实，已依规处理。", clock=clock)
    db.commit()
    assert public_status(sub.state) == PublicStatus.concluded
    timeline = followup.citizen_timeline(db, KEYS, sub)
    assert [e.kind for e in timeline] == [MessageKind.question, MessageKind.answer,
                                          MessageKind.message]
    assert "内部" not in json.dumps([e.body for e in timeline], ensure_ascii=False)
    assert timeline[-1].unit == world.verifier.name  # the verifying unit, no staff name

    followup.rate(db, sub, Rating.satisfied, "满意", keys=KEYS, clock=clock)
    db.commit()
    assert sub.state == SubmissionState.concluded
    assert sub.needs_decision is False

    events = db.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("submission.claim", world.moderator.id),
        ("submission.classify", world.moderator.id),
        ("submission.accept", world.moderator.id),
        ("submission.start_verification", world.handler.id),
        ("submission.note", world.handler.id),
        ("submission.ask", world.handler.id),
        ("submission.conclude", world.handler.id),
    ]
    accept_row = events[2]
    assert accept_row.before == {"state": "in_review", "handling_mode": None,
                                 "responsible_unit_id": None, "handler_id": None,
                                 "handling_due_on": None, "decided_at": None,
                                 "claimed_by_id": world.moderator.id,
                                 "claimed_until": "2026-06-01T05:15:00+00:00"}
    assert accept_row.after["handling_mode"] == "off_site"  # type: ignore[index]
    assert [e.after["reference"] for e in events] == [sub.reference] * len(events)  # type: ignore[index]
    dumped = json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)
    for secret in (SECRET_NAME, SECRET_PHONE, "录像与证言"):
        assert secret not in dumped
    assert verify(db) == []
    assert sub.version == 8  # one bump per staff action (claim .. conclude)
