"""Tab counts, the staff header counters and the digest counts (counts only)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from moderation.errors import NotPermitted
from moderation.intake.models import SubmissionState
from moderation.queue.counts import digest_counts, header_counts, queue_counts
from moderation.queue.filters import QueueQuery, Tab
from moderation.queue.listing import list_queue
from moderation.roles import Role
from tests.queue_support import KEYS, NOW, actor, add_submission, add_unit

S = SubmissionState


@pytest.fixture
def staff(db: Session, make_user):  # type: ignore[no-untyped-def]
    court = add_unit(db, "court")
    users = {
        "mod": make_user(Role.moderator, username="mod"),
        "handler": make_user(Role.handler, username="handler", unit_id=court.id),
        "leader": make_user(Role.leader, username="leader"),
        "press": make_user(Role.press, username="press"),
        "admin": make_user(Role.admin, username="admin"),
        "gone": make_user(Role.moderator, username="gone", is_active=False),
    }
    for _ in range(3):
        add_submission(db, commit=False)
    add_submission(db, state=S.in_review, claimed_by_id=users["mod"].id, commit=False)
    add_submission(db, state=S.in_review, awaiting_citizen=True, commit=False)
    add_submission(db, state=S.accepted, responsible_unit_id=court.id,
                   handling_due_on=date(2026, 8, 1), commit=False)
    add_submission(db, state=S.verifying, responsible_unit_id=court.id,
                   handler_id=users["handler"].id, handling_due_on=date(2026, 6, 20),
                   commit=False)
    add_submission(db, state=S.rejected, commit=False)
    db.commit()
    return users


def test_counts_match_the_pages_for_every_role(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    for name in ("mod", "handler", "leader"):
        who = actor(staff[name])
        for moment in (NOW, NOW + timedelta(days=16), NOW + timedelta(days=30)):
            counts = queue_counts(db, who, moment)
            assert set(counts) == set(Tab)
            for tab, count in counts.items():
                page = list_queue(db, who, QueueQuery(tab=tab), moment, keys=KEYS, limit=100)
                assert count == len(page.items), (name, tab, moment)


def test_moderator_counts_and_overdue_after_fifteen_days(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    mod = actor(staff["mod"])
    assert queue_counts(db, mod, NOW) == {Tab.new: 3, Tab.spam: 0, Tab.mine: 1, Tab.overdue: 0,
                                          Tab.awaiting_citizen: 1, Tab.all: 8}
    assert header_counts(db, mod, NOW + timedelta(days=16)) == {
        Tab.new: 3, Tab.mine: 1, Tab.overdue: 5}


def test_handler_counts_are_their_units(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    handler = actor(staff["handler"])
    assert queue_counts(db, handler, NOW + timedelta(days=20)) == {
        Tab.new: 1, Tab.spam: 0, Tab.mine: 1, Tab.overdue: 1, Tab.awaiting_citizen: 0, Tab.all: 2}


def test_counts_refused_to_admin_and_press(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    for name in ("admin", "press"):
        with pytest.raises(NotPermitted):
            queue_counts(db, actor(staff[name]), NOW)


def test_digest_counts_per_active_queue_user(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    digest = digest_counts(db, NOW + timedelta(days=16))
    assert set(digest) == {staff["mod"].id, staff["handler"].id, staff["leader"].id}
    assert digest[staff["mod"].id] == {Tab.new: 3, Tab.mine: 1, Tab.overdue: 5,
                                       Tab.awaiting_citizen: 1}
    assert digest[staff["handler"].id] == {Tab.new: 1, Tab.mine: 1, Tab.overdue: 0,
                                           Tab.awaiting_citizen: 0}
    assert digest[staff["leader"].id][Tab.mine] == 0
    assert all(isinstance(v, int) for counts in digest.values() for v in counts.values())


def test_possible_spam_is_counted_and_listed_apart_from_new(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """The spam tab reads "signals after ''" as an index range: every non-blank code
    list is in it, and no clean item."""
    mod = actor(staff["mod"])
    flagged = {add_submission(db, spam_signals=codes).id
               for codes in ("link", "phones,qq,wechat", "wechat")}
    add_submission(db, state=S.in_review, spam_signals="link")  # decided on: not in the tab
    counts = queue_counts(db, mod, NOW)
    assert (counts[Tab.spam], counts[Tab.new]) == (3, 3)
    listed = list_queue(db, mod, QueueQuery(tab=Tab.spam), NOW, keys=KEYS, limit=100)
    assert {item.id for item in listed.items} == flagged
