"""Claims: one moderator per item at a time, claims expire, and `claim_next` never hands
one item to two moderators (real threads on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from moderation.audit import AuditEvent, record
from moderation.clock import FixedClock
from moderation.errors import AlreadyClaimed, NotPermitted, StaleVersion
from moderation.intake.models import Submission, SubmissionState
from moderation.roles import Actor
from moderation.workflow import claims, triage
from moderation.workflow.transitions import Action, allowed_actions
from tests.conftest import ON_POSTGRES
from tests.workflow_support import make_world, submit


def test_second_moderator_gets_already_claimed_until_the_claim_expires(
        db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    sub = claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    db.commit()
    assert sub.state == SubmissionState.in_review
    assert sub.claimed_by_id == world.moderator.id

    with pytest.raises(AlreadyClaimed) as refused:
        claims.claim(db, world.moderator2, sub.id, sub.version, clock=clock)
    assert refused.value.claimed_by_id == world.moderator.id
    with pytest.raises(AlreadyClaimed):
        triage.classify(db, world.moderator2, sub.id, sub.version, category_id=None,
                        unit_concerned_id=None, priority="high", clock=clock)
    db.rollback()
    assert allowed_actions(sub, world.moderator2, clock()) == []
    assert Action.accept in allowed_actions(sub, world.moderator, clock())

    clock.advance(minutes=15, seconds=1)  # the default claim lasts 15 minutes
    sub = claims.claim(db, world.moderator2, sub.id, sub.version, clock=clock)
    db.commit()
    assert sub.claimed_by_id == world.moderator2.id
    with pytest.raises(AlreadyClaimed):
        triage.reject(db, world.moderator, sub.id, sub.version, reason="spam",
                      public_reply="No.", clock=clock)


def test_release_frees_the_item_and_only_moderators_claim(
        db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    with pytest.raises(NotPermitted):
        claims.claim(db, world.handler, sub.id, sub.version, clock=clock)
    with pytest.raises(NotPermitted):
        claims.claim_next(db, world.admin, clock=clock)
    sub = claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    sub = claims.release(db, world.moderator, sub.id, sub.version, clock=clock)
    db.commit()
    assert sub.claimed_by_id is None
    assert sub.state == SubmissionState.in_review
    sub = claims.claim(db, world.moderator2, sub.id, sub.version, clock=clock)
    assert sub.claimed_by_id == world.moderator2.id


def test_claim_next_takes_the_oldest_unclaimed_item(
        db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    first = submit(db, clock, world).submission
    clock.advance(hours=2)
    second = submit(db, clock, world, variant=106).submission
    got = claims.claim_next(db, world.moderator, clock=clock)
    db.commit()
    assert got is not None
    assert got.id == first.id
    got2 = claims.claim_next(db, world.moderator2, clock=clock)
    db.commit()
    assert got2 is not None
    assert got2.id == second.id
    assert claims.claim_next(db, world.moderator, clock=clock) is None
    clock.advance(minutes=16)  # both claims expired: the oldest is free again
    again = claims.claim_next(db, world.moderator2, clock=clock)
    assert again is not None
    assert again.id == first.id


def test_stale_claim_raises_with_current_values(
        db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    seen = sub.version
    claims.claim(db, world.moderator, sub.id, seen, clock=clock)
    claims.release(db, world.moderator, sub.id, seen + 1, clock=clock)
    db.commit()
    with pytest.raises(StaleVersion) as stale:
        claims.claim(db, world.moderator2, sub.id, seen, clock=clock)
    assert stale.value.version == seen + 2
    assert stale.value.current["state"] == "in_review"


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks: PostgreSQL only")
def test_locked_row_counts_as_claimed(engine: Engine, db: Session, make_user,  # type: ignore[no-untyped-def]
                                      clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = submit(db, clock, world).submission
    assert sub.id is not None
    with Session(engine) as holder:
        holder.exec(select(Submission).where(col(Submission.id) == sub.id)
                    .with_for_update()).one()  # another transaction is working on it
        with Session(engine) as other, pytest.raises(AlreadyClaimed):
            claims.claim(other, world.moderator2, sub.id, sub.version, clock=clock)
        holder.rollback()


@pytest.mark.skipif(not ON_POSTGRES, reason="SKIP LOCKED: PostgreSQL only")
def test_concurrent_claim_next_never_gives_one_item_twice(
        engine: Engine, db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    moderators = [world.moderator, world.moderator2, world.granted]
    for n in range(3, 6):
        user = make_user("moderator", username=f"mod{n}")
        moderators.append(Actor(id=user.id, label=user.username, role=user.role))
    items = 24
    for n in range(items):
        submit(db, clock, world, variant=n + 10)
    record(db, world.moderator, "test.start", "test", 0, clock=clock)  # the chain head exists
    db.commit()

    barrier = threading.Barrier(len(moderators))
    claimed: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def work(actor: Actor) -> None:
        mine: list[int] = []
        try:
            barrier.wait()
            while True:
                with Session(engine, expire_on_commit=False) as session:
                    got = claims.claim_next(session, actor, clock=clock)
                    session.commit()
                if got is None:
                    break
                assert got.id is not None
                mine.append(got.id)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        claimed[actor.id or 0] = mine

    threads = [threading.Thread(target=work, args=(m,)) for m in moderators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    every = [sid for ids in claimed.values() for sid in ids]
    assert len(every) == items
    assert len(set(every)) == items  # nobody got an item twice
    db.expire_all()
    owners = {s.id: s.claimed_by_id for s in db.exec(select(Submission))}
    for actor_id, ids in claimed.items():
        assert all(owners[sid] == actor_id for sid in ids)
    claim_rows = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.claim")).all()
    assert len(claim_rows) == items
