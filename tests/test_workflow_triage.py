"""Triage: optimistic locking, routing refusals, duplicates linked both ways, rejection
replies, and bulk actions with one audit row per item."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, func, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.errors import RoutingRefused, StaleVersion, ValidationFailed
from moderation.intake import followup
from moderation.intake.models import (
    HandlingMode,
    MessageKind,
    Priority,
    RejectReason,
    Submission,
    SubmissionState,
)
from moderation.intake.public_status import main_case
from moderation.workflow import bulk, claims, triage
from moderation.workflow import messages as m
from moderation.workflow.duplicates import duplicates_of, public_view_target
from moderation.workflow.models import WorkflowPolicy
from tests.workflow_support import KEYS, World, make_world, submit


def _claimed(db: Session, world: World, clock: FixedClock) -> Submission:
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    sub = claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    db.commit()
    return sub


def _audit_count(db: Session, action: str) -> int:
    return db.exec(select(func.count()).select_from(AuditEvent)
                   .where(col(AuditEvent.action) == action)).one()


def test_stale_version_carries_the_current_values(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                  clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    seen = sub.version
    triage.classify(db, world.moderator, sub.id, seen, category_id=None,
                    unit_concerned_id=world.child.id, priority="urgent", clock=clock)
    db.commit()
    with pytest.raises(StaleVersion) as stale:
        triage.classify(db, world.moderator2, sub.id, seen, category_id=None,
                        unit_concerned_id=world.parent.id, priority="low", clock=clock)
    assert stale.value.version == seen + 1
    assert stale.value.current["priority"] == "urgent"
    assert stale.value.current["unit_concerned_id"] == world.child.id
    assert "content" not in stale.value.current
    db.rollback()
    db.expire_all()
    assert db.get(Submission, sub.id).priority == Priority.urgent  # type: ignore[union-attr]


def test_classify_validates_and_audits_before_and_after(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                        clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    with pytest.raises(ValidationFailed) as bad:
        triage.classify(db, world.moderator, sub.id, sub.version, category_id=9999,
                        unit_concerned_id=9999, priority="whenever", clock=clock)
    assert bad.value.errors == {"category_id": m.UNKNOWN_CATEGORY,
                                "unit_concerned_id": m.UNKNOWN_UNIT,
                                "priority": m.UNKNOWN_PRIORITY}
    triage.classify(db, world.moderator, sub.id, sub.version, category_id=None,
                    unit_concerned_id=world.child.id, priority="high", clock=clock)
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.classify")).one()
    assert row.before == {"unit_concerned_id": world.accused.id, "priority": "normal"}
    assert row.after == {"reference": sub.reference, "unit_concerned_id": world.child.id,
                         "priority": "high"}
    assert row.actor_id == world.moderator.id


def test_routing_refuses_the_unit_concerned_and_units_under_it(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                               clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = _claimed(db, world, clock)
    assert sub.id is not None
    for mode, unit_id, message in [
        (HandlingMode.off_site, world.accused.id, m.SELF_ROUTING),
        (HandlingMode.cross_unit, world.child.id, m.SELF_ROUTING),
        (HandlingMode.direct, world.accused.id, m.SELF_ROUTING_DIRECT),
    ]:
        with pytest.raises(RoutingRefused) as refused:
            triage.accept(db, world.moderator, sub.id, sub.version, mode=mode,
                          responsible_unit_id=unit_id, clock=clock)
        assert refused.value.message == message
        assert refused.value.errors == {"responsible_unit_id": message}
    db.rollback()
    assert _audit_count(db, "submission.accept") == 0
    # Escalation to the unit above is what 提级办理 means: allowed.
    done = triage.accept(db, world.moderator, sub.id, sub.version,
                         mode=HandlingMode.escalated, responsible_unit_id=world.parent.id,
                         clock=clock)
    assert done.state == SubmissionState.accepted
    assert done.claimed_by_id is None


def test_direct_self_verification_only_when_the_campaign_allows(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                                clock: FixedClock) -> None:
    world = make_world(db, make_user)
    db.add(WorkflowPolicy(allow_self_verification=True))
    db.commit()
    sub = _claimed(db, world, clock)
    assert sub.id is not None
    with pytest.raises(RoutingRefused):
        triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",
                      responsible_unit_id=world.accused.id, clock=clock)
    done = triage.accept(db, world.moderator, sub.id, sub.version, mode="direct",
                         responsible_unit_id=world.accused.id,
                         handler_id=world.other_handler.id, clock=clock)
    assert done.responsible_unit_id == world.accused.id
    assert done.handling_mode == HandlingMode.direct


def test_accept_checks_handler_and_deadline(db: Session, make_user,  # type: ignore[no-untyped-def]
                                            clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = _claimed(db, world, clock)
    assert sub.id is not None
    with pytest.raises(ValidationFailed) as bad:
        triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",
                      responsible_unit_id=world.verifier.id, handler_id=world.other_handler.id,
                      due_on=date(2026, 8, 1), clock=clock)  # legal max: 2026-07-31
    assert bad.value.errors == {"handler_id": m.UNKNOWN_HANDLER,
                                "handling_due_on": m.DUE_TOO_LATE}
    done = triage.accept(db, world.moderator, sub.id, sub.version, mode="off_site",
                         responsible_unit_id=world.verifier.id, handler_id=world.handler.id,
                         clock=clock)
    assert done.handling_due_on == date(2026, 6, 1) + timedelta(days=60)
    assert done.decided_at == clock()


def test_reject_needs_a_reason_and_a_public_reply(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                  clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = _claimed(db, world, clock)
    assert sub.id is not None
    with pytest.raises(ValidationFailed) as bad:
        triage.reject(db, world.moderator, sub.id, sub.version, reason="duplicate",
                      public_reply="  ", clock=clock)
    assert set(bad.value.errors) == {"reason", "public_reply"}
    assert m.default_reject_reply("spam") == m.REJECT_REPLIES[RejectReason.spam]
    assert set(m.REJECT_REPLIES) == set(RejectReason)
    done = triage.reject(db, world.moderator, sub.id, sub.version,
                         reason="insufficient_information",
                         public_reply="请补充时间、地点。<b>x</b>", clock=clock)
    db.commit()
    assert done.state == SubmissionState.rejected
    assert done.reject_reason == RejectReason.insufficient_information
    timeline = followup.citizen_timeline(db, KEYS, done)
    assert [(e.kind, e.body) for e in timeline] == [
        (MessageKind.message, "请补充时间、地点。<b>x</b>")]


def test_duplicates_are_linked_both_ways_and_show_the_main_case(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                                clock: FixedClock) -> None:
    world = make_world(db, make_user)
    main = _claimed(db, world, clock)
    dup1 = submit(db, clock, world, variant=101).submission
    dup2 = submit(db, clock, world, variant=102).submission
    assert main.id is not None
    assert dup1.id is not None
    assert dup2.id is not None
    triage.mark_duplicate(db, world.moderator, dup1.id, dup1.version, main_id=main.id,
                          public_reply="Handled in another case.", clock=clock)
    # Pointing at a duplicate links to its main case, never to a chain.
    triage.mark_duplicate(db, world.moderator, dup2.id, dup2.version, main_id=dup1.id,
                          public_reply="Handled in another case.", clock=clock)
    db.commit()
    assert [d.id for d in duplicates_of(db, main.id)] == [dup1.id, dup2.id]
    assert dup2.duplicate_of_id == main.id
    assert dup1.reject_reason == RejectReason.duplicate
    assert public_view_target(db, dup1).id == main.id
    assert public_view_target(db, main).id == main.id
    assert main_case(db, dup1).id == main.id  # type: ignore[union-attr]
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.mark_duplicate")
                  .order_by(col(AuditEvent.seq))).first()
    assert row is not None
    assert row.after["duplicate_of_id"] == main.id  # type: ignore[index]

    with pytest.raises(ValidationFailed) as self_link:
        triage.mark_duplicate(db, world.moderator, main.id, main.version, main_id=main.id,
                              public_reply="x", clock=clock)
    assert self_link.value.errors == {"duplicate_of_id": m.MAIN_IS_SELF}


def test_duplicate_of_a_rejected_case_is_refused(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                 clock: FixedClock) -> None:
    world = make_world(db, make_user)
    spam = _claimed(db, world, clock)
    assert spam.id is not None
    triage.reject(db, world.moderator, spam.id, spam.version, reason="spam",
                  public_reply="No.", clock=clock)
    other = submit(db, clock, world, variant=103).submission
    assert other.id is not None
    with pytest.raises(ValidationFailed) as bad:
        triage.mark_duplicate(db, world.moderator, other.id, other.version, main_id=spam.id,
                              public_reply="x", clock=clock)
    assert bad.value.errors == {"duplicate_of_id": m.MAIN_REJECTED}


def test_bulk_actions_apply_per_item_with_one_audit_row_each(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                             clock: FixedClock) -> None:
    world = make_world(db, make_user)
    subs = [submit(db, clock, world, variant=n + 10).submission
            for n in range(3)]
    claimed_elsewhere = subs[2]
    assert claimed_elsewhere.id is not None
    claims.claim(db, world.moderator2, claimed_elsewhere.id, claimed_elsewhere.version,
                 clock=clock)
    db.commit()
    items = [(s.id, s.version) for s in subs]
    results = bulk.reject_as_spam(db, world.moderator, items, "Not a report.", clock=clock)  # type: ignore[arg-type]
    db.commit()
    assert [(r.submission_id, r.ok, r.error_name) for r in results] == [
        (subs[0].id, True, ""), (subs[1].id, True, ""),
        (claimed_elsewhere.id, False, "AlreadyClaimed")]
    assert _audit_count(db, "submission.reject") == 2
    db.expire_all()
    assert db.get(Submission, claimed_elsewhere.id).state == SubmissionState.in_review  # type: ignore[union-attr]

    fresh = [submit(db, clock, world, variant=n + 20).submission
             for n in range(2)]
    results = bulk.set_unit_concerned(db, world.moderator, [(s.id, s.version) for s in fresh],  # type: ignore[misc]
                                      world.child.id, clock=clock)
    assert all(r.ok for r in results)
    assert _audit_count(db, "submission.classify") == 2

    for s in fresh:
        assert s.id is not None
        claims.claim(db, world.moderator, s.id, s.version, clock=clock)
    results = bulk.assign(db, world.moderator, [(s.id, s.version) for s in fresh],  # type: ignore[misc]
                          mode="off_site", responsible_unit_id=world.verifier.id, clock=clock)
    assert [r.ok for r in results] == [True, True]
    results = bulk.assign(db, world.moderator, [(s.id, s.version) for s in fresh],  # type: ignore[misc]
                          mode="off_site", responsible_unit_id=world.accused.id, clock=clock)
    assert [r.error_name for r in results] == ["InvalidTransition", "InvalidTransition"]
