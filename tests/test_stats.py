"""Statistics: monthly flows, rates, ledger completion, suppression, open data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from moderation.intake.models import (
    CaseRating,
    Channel,
    Rating,
    SubmissionKind,
    SubmissionState,
)
from moderation.ledger.models import LedgerStatus, MechanismArea
from moderation.ledger.timeline import add_mechanism
from moderation.stats.opendata import CSV_COLUMNS, statistics_csv
from moderation.stats.report import leader_statistics, public_statistics
from moderation.stats.suppress import MARKER, Rate, count
from tests.ledger_support import STAFF, make_item, make_submission, make_unit

MAY = datetime(2026, 5, 3, 8, tzinfo=UTC)
APRIL = datetime(2026, 3, 31, 20, tzinfo=UTC)  # 1 April 04:00 in Beijing


def cases(db) -> None:  # type: ignore[no-untyped-def]
    """7 web tips in May (6 concluded: 5 on time), 3 phone suggestions in April."""
    for index in range(7):
        concluded = index < 6
        make_submission(
            db, received_at=MAY, decided_at=MAY,
            state=SubmissionState.concluded if concluded else SubmissionState.verifying,
            concluded_at=datetime(2026, 5, 20, 3, tzinfo=UTC) if concluded else None,
            handling_due_on=date(2026, 5, 20) if index < 5 else date(2026, 5, 19),
            outcome=None)
    for _ in range(3):
        make_submission(db, kind=SubmissionKind.suggestion, channel=Channel.phone,
                        received_at=APRIL, state=SubmissionState.rejected, outcome=None)


def test_suppression_rules() -> None:
    assert [count(n, public=True) for n in (0, 4, 5)] == [None, None, 5]
    assert count(3, public=False) == 3
    assert Rate.of(3, 4, public=True) == Rate(None, None, None)
    # A percentage is hidden when it would give back a small part: 80% of 5 is 4.
    assert Rate.of(4, 5, public=True) == Rate(None, 5, None)
    assert Rate.of(5, 6, public=True) == Rate(5, 6, None)  # the other part is 1
    assert Rate.of(5, 10, public=True) == Rate(5, 10, 50.0)
    assert Rate.of(10, 10, public=True) == Rate(10, 10, 100.0)
    assert Rate.of(3, 4, public=False) == Rate(3, 4, 75.0)


def test_leader_statistics_are_whole(db, clock) -> None:
    cases(db)
    stats = leader_statistics(db, now=clock())
    subs = stats.submissions
    assert [(f.key, f.received, f.accepted, f.concluded) for f in subs.months] == [
        ("2026-04", 3, 0, 0), ("2026-05", 7, 7, 6)]
    assert [(f.key, f.received) for f in subs.by_kind] == [("tip", 7), ("suggestion", 3)]
    assert {f.key: f.received for f in subs.by_channel}["phone"] == 3
    assert subs.on_time == Rate(5, 6, 83.3)


def test_public_statistics_suppress_small_counts(db, clock) -> None:
    cases(db)
    subs = public_statistics(db, now=clock()).submissions
    assert [(f.key, f.received, f.accepted, f.concluded) for f in subs.months] == [
        ("2026-04", None, None, None), ("2026-05", 7, 7, 6)]
    assert {f.key: f.received for f in subs.by_channel} == {
        "web": 7, "phone": None, "letter": None, "visit": None, "email": None}
    assert subs.on_time == Rate(5, 6, None)  # 83.3% of 6 would reveal the one late case
    assert subs.satisfaction == Rate(None, None, None)  # nobody rated


def test_satisfaction_counts_each_cases_latest_rating(db, clock) -> None:
    ratings = [Rating.satisfied, Rating.mostly, Rating.mostly, Rating.satisfied,
               Rating.dissatisfied]
    for index, rating in enumerate(ratings):
        case = make_submission(db)
        db.add(CaseRating(submission_id=case.id, rating=rating, created_at=MAY))
        if index == 0:  # this case was re-rated later: only the latest counts
            db.add(CaseRating(submission_id=case.id, rating=Rating.dissatisfied,
                              created_at=datetime(2026, 5, 4, tzinfo=UTC)))
    db.flush()
    assert public_statistics(db, now=clock()).submissions.satisfaction == Rate(None, 5, None)
    assert leader_statistics(db, now=clock()).submissions.satisfaction == Rate(3, 5, 60.0)


def test_public_ledger_figures_leave_internal_items_out(db, clock) -> None:
    police, court = make_unit(db, "LH-GA"), make_unit(db, "LH-FY", "市中级人民法院")
    for index in range(5):
        make_item(db, clock, police, f"公开{index}", public=True,
                  status=LedgerStatus.verified if index < 2 else LedgerStatus.in_progress,
                  deadline=date(2026, 5, 1))
    secret = make_item(db, clock, court, "INTERNAL-MARKER", public=False)
    for index in range(6):
        add_mechanism(db, STAFF, secret.id, title={"zh_CN": f"内部机制{index}"},
                      area=MechanismArea.discipline, clock=clock)
    public = public_statistics(db, now=clock())
    assert [u.unit_code for u in public.ledger_units] == ["LH-GA"]
    police_row = public.ledger_units[0]
    # The ledger is public by nature: its figures are whole, as /ledger lists them.
    assert (police_row.items, police_row.done, police_row.overdue) == (5, 2, 3)
    assert police_row.completion == Rate(2, 5, 40.0)
    assert public.mechanisms.total == 0  # the internal item's mechanisms do not count
    leader = leader_statistics(db, now=clock())
    assert [(u.unit_code, u.items, u.done, u.overdue) for u in leader.ledger_units] == [
        ("LH-GA", 5, 2, 3), ("LH-FY", 1, 0, 0)]
    assert leader.mechanisms.total == 6
    assert leader.mechanisms.by_area["discipline"] == 6


def test_open_data_csv(db, clock) -> None:
    cases(db)
    make_item(db, clock, make_unit(db, "LH-GA"), "INTERNAL-MARKER", public=False)
    text = statistics_csv(public_statistics(db, now=clock()))
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    figures = {(s, k, m): v for s, k, m, v in rows[1:]}
    assert figures[("months", "2026-05", "received")] == "7"
    assert figures[("months", "2026-04", "received")] == MARKER
    assert figures[("rates", "on_time", "percent")] == ""  # 5 of 6: the 1 late case shows
    assert figures[("rates", "satisfaction", "percent")] == ""
    assert not any(s == "ledger_units" for s, _, _ in figures)
    assert "INTERNAL-MARKER" not in text
    assert "LH-GA" not in text
    leader_text = statistics_csv(leader_statistics(db, now=clock()))
    assert "ledger_units,LH-GA,items,1" in leader_text
