"""The statistics are counted by the database, in the campaign's time zone: they must
give what reading every case and converting its timestamps in Python gives, at every
edge of a day, a month and a change of the clocks, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from moderation.intake.models import Channel, Submission, SubmissionKind, SubmissionState
from moderation.stats.local_dates import offset_changes
from moderation.stats.submissions import TAKEN_IN, _groups, submission_stats
from portal.leaders.queries import cases_by_unit
from tests.ledger_support import make_submission, make_unit

ZONES = ("Asia/Shanghai", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham")
KINDS = [k.value for k in SubmissionKind]
CHANNELS = [c.value for c in Channel]
# Moments around local midnights at month ends and around changes of the clocks.
EDGES = [
    datetime(2026, 1, 31, 15, 59, 59, tzinfo=UTC), datetime(2026, 1, 31, 16, tzinfo=UTC),
    datetime(2026, 2, 28, 18, 14, tzinfo=UTC), datetime(2026, 2, 28, 18, 15, tzinfo=UTC),
    datetime(2026, 3, 8, 6, 59, tzinfo=UTC), datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 4, 1, 3, 59, tzinfo=UTC), datetime(2026, 4, 1, 4, tzinfo=UTC),
    datetime(2026, 10, 31, 23, 59, tzinfo=UTC), datetime(2026, 11, 1, 4, 59, tzinfo=UTC),
    datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 9, 26, 13, 44, tzinfo=UTC), datetime(2026, 9, 26, 13, 45, tzinfo=UTC),
]


def _cases(db, seed: int) -> list[Submission]:  # type: ignore[no-untyped-def]
    """Cases of every state, kind and channel, dated at the edges and at random."""
    rng = random.Random(seed)
    units = [make_unit(db, f"U{i}", f"单位{i}") for i in range(3)]
    made = []
    for index in range(80):
        at = EDGES[index % len(EDGES)] if index < 2 * len(EDGES) else \
            datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(400_000))
        state = rng.choice(list(SubmissionState))
        decided = at + timedelta(minutes=rng.randrange(0, 3000)) if rng.random() < 0.7 else None
        concluded = (EDGES[(index * 7) % len(EDGES)] if rng.random() < 0.5
                     else at + timedelta(minutes=rng.randrange(0, 90_000)))
        submission = make_submission(
            db, kind=rng.choice(list(SubmissionKind)), channel=rng.choice(list(Channel)),
            state=state, outcome=None,
            received_at=at.replace(minute=0, second=0, microsecond=0),  # kept to the hour
            decided_at=decided, concluded_at=concluded if rng.random() < 0.9 else None,
            handling_due_on=(concluded.date() + timedelta(days=rng.choice((-1, 0, 1))))
            if rng.random() < 0.8 else None)
        submission.responsible_unit_id = rng.choice([None, *(u.id for u in units)])
        db.add(submission)
        made.append(submission)
    db.commit()
    return made


def _day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment is not None else None


def _expected(cases: list[Submission], tz: str):  # type: ignore[no-untyped-def]
    """What reading each case in Python gives: flows by month, kind and channel, the
    on-time rate, and on-time counts by responsible unit."""
    zone = ZoneInfo(tz)
    flows: dict[str, Counter[str]] = {"received": Counter(), "accepted": Counter(),
                                      "concluded": Counter()}
    on_time = due_known = 0
    units: dict[int | None, list[int]] = {}
    for case in cases:
        received = _day(case.received_at, zone)
        accepted = (_day(case.decided_at, zone) or received) \
            if case.state in TAKEN_IN else None
        concluded = _day(case.concluded_at, zone) \
            if case.state == SubmissionState.concluded else None
        for name, day in (("received", received), ("accepted", accepted),
                          ("concluded", concluded)):
            if day is not None:
                flows[name].update([f"{day:%Y-%m}", str(case.kind), str(case.channel)])
        if concluded is not None and case.handling_due_on is not None:
            due_known += 1
            on_time += concluded <= case.handling_due_on
            tally = units.setdefault(case.responsible_unit_id, [0, 0])
            tally[0] += concluded <= case.handling_due_on
            tally[1] += 1
    return flows, (on_time, due_known), units


@pytest.mark.parametrize("tz", ZONES)
def test_grouped_statistics_match_reading_every_case(db, tz: str) -> None:
    cases = _cases(db, seed=len(tz))
    flows, (on_time, due_known), units = _expected(cases, tz)

    stats = submission_stats(db, public=False, tz=tz, kinds=KINDS, channels=CHANNELS)

    got: dict[str, Counter[str]] = {"received": Counter(), "accepted": Counter(),
                                    "concluded": Counter()}
    for flow in stats.months + stats.by_kind + stats.by_channel:
        for name in got:
            got[name][flow.key] += getattr(flow, name) or 0
    assert got == flows
    assert (stats.on_time.numerator, stats.on_time.denominator) == (on_time, due_known)
    by_unit = {(row.unit.id if row.unit else None):
               [row.on_time.numerator, row.on_time.denominator]
               for row in cases_by_unit(db, datetime(2027, 1, 1, tzinfo=UTC), tz)
               if row.on_time.denominator}
    assert by_unit == units


def test_statistics_read_groups_not_cases(db) -> None:  # type: ignore[no-untyped-def]
    """A thousand cases alike come back from the database as one row."""
    for _ in range(1000):
        make_submission(db, received_at=datetime(2026, 5, 3, 8, tzinfo=UTC),
                        state=SubmissionState.rejected, outcome=None)
    db.commit()
    groups = _groups(db, "Asia/Shanghai")
    assert [(g.number, g.received, g.state) for g in groups] == [
        (1000, "2026-05", SubmissionState.rejected)]
    stats = submission_stats(db, public=True, tz="Asia/Shanghai", kinds=KINDS,
                             channels=CHANNELS)
    assert [(f.key, f.received) for f in stats.months] == [("2026-05", 1000)]


def test_offset_changes_follow_the_clocks() -> None:
    shanghai = offset_changes("Asia/Shanghai", 2027)
    assert shanghai == ((datetime(2000, 1, 1, tzinfo=UTC), 480),)
    new_york = dict(offset_changes("America/New_York", 2027))
    assert new_york[datetime(2026, 3, 8, 7, tzinfo=UTC)] == -240
    assert new_york[datetime(2026, 11, 1, 6, tzinfo=UTC)] == -300
    assert len(new_york) == 1 + 2 * 28  # two changes a year, 2000 to 2027
