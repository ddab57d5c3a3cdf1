"""Portal-wide counters counted in blocks per process: the cap holds, exactly, across
processes, and most hits leave the shared row alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.ratelease import SharedLeases
from moderation.ratelimit import GLOBAL, DbStore, Limit, RateCounter, RateLimiter

KEYS = IntakeKeys.from_secrets("lease-test-secret-" + "l" * 40)
OWN = Limit("send", 2, timedelta(hours=1))


def _hit(engine: Engine, leases: SharedLeases, clock: FixedClock, everyone: Limit,
         client: str) -> bool:
    """One citizen's Send in a process holding `leases`: allowed?"""
    with Session(engine) as session:
        limiter = RateLimiter(KEYS, DbStore(session, leases=leases), clock)
        refused = limiter.hit_in_turn([(OWN, client), (everyone, GLOBAL)])
        session.commit()
    return refused is None


def _global_count(engine: Engine, everyone: Limit) -> int:
    with Session(engine) as session:
        rows = session.exec(select(RateCounter).where(RateCounter.scope == everyone.scope))
        return sum(row.count for row in rows)


def test_two_processes_never_admit_more_than_the_cap_and_use_all_of_it(
        engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    everyone = Limit("send-all", 1500, timedelta(hours=1))
    workers = [SharedLeases(), SharedLeases()]
    reservations = [0, 0]
    for number, leases in enumerate(workers):
        reserved = leases.reserved

        def counting(*args, _number=number, _reserved=reserved):  # type: ignore[no-untyped-def]
            reservations[_number] += 1
            return _reserved(*args)

        leases.reserved = counting  # type: ignore[method-assign]
    allowed = 0
    for attempt in range(2400):
        # Each citizen sends three times: the third is over their own limit, so it is not
        # counted against everyone's (a hit taken from a block is given back). 1,600
        # sends are within their own limits, more than the cap.
        client = f"citizen-{attempt // 3}"
        allowed += _hit(engine, workers[attempt % 2], clock, everyone, client)
    assert allowed == everyone.max_hits  # none over the cap, none lost below it
    assert _global_count(engine, everyone) >= everyone.max_hits
    # Far below the cap, blocks of up to 16: far fewer trips to the shared row than hits.
    assert sum(reservations) < everyone.max_hits // 3


def test_a_block_reaching_past_the_cap_hands_out_only_the_hits_below_it(
        engine: Engine) -> None:
    """A process that last saw the count long ago reserves a large block; the other
    process has meanwhile brought the count near the cap."""
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    everyone = Limit("send-all", 100, timedelta(hours=1))
    stale = SharedLeases(room_share=1)  # blocks as large as the room it believes is left
    busy = SharedLeases()
    assert _hit(engine, stale, clock, everyone, "stale-0")  # it sees the count at 1
    assert all(_hit(engine, busy, clock, everyone, f"busy-{n}") for n in range(90))
    later = [_hit(engine, stale, clock, everyone, f"stale-{n}") for n in range(1, 21)]
    assert sum(later) == 9  # counts 92 to 100, of a block of 16 that reached 107
    assert not _hit(engine, busy, clock, everyone, "busy-last")


def test_near_the_cap_each_hit_is_counted_in_the_database(engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    everyone = Limit("form-all", 3, timedelta(hours=1))
    leases = SharedLeases()
    results = [_hit(engine, leases, clock, everyone, f"203.0.113.{n}") for n in range(5)]
    assert results == [True, True, True, False, False]
    assert _global_count(engine, everyone) == 5  # every hit, refused ones too, as before


def test_a_citizen_over_their_own_limit_does_not_use_up_a_block(engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    everyone = Limit("send-all", 100_000, timedelta(hours=1))
    leases = SharedLeases()
    assert _hit(engine, leases, clock, everyone, "192.0.2.1")  # learns the count: 1
    assert _hit(engine, leases, clock, everyone, "192.0.2.2")  # reserves a block
    spare_before = leases._blocks[next(iter(leases._blocks))].spare
    assert _hit(engine, leases, clock, everyone, "192.0.2.2")
    assert not _hit(engine, leases, clock, everyone, "192.0.2.2")  # their third: refused
    assert leases._blocks[next(iter(leases._blocks))].spare == spare_before - 1


def test_a_block_ends_with_its_window(engine: Engine) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    everyone = Limit("send-all", 100_000, timedelta(hours=1))
    leases = SharedLeases()
    for n in range(3):
        assert _hit(engine, leases, clock, everyone, f"192.0.2.{n}")
    assert leases._blocks  # spare hits held for this hour
    clock.advance(hours=1)
    assert leases.take(next(iter(leases._blocks)), clock()) is None
    assert _hit(engine, leases, clock, everyone, "192.0.2.9")
    with Session(engine) as session:
        counts = sorted(row.count for row in session.exec(
            select(RateCounter).where(RateCounter.scope == "send-all")))
    assert counts[0] == 1  # the new window's row: this one hit, no block carried over
