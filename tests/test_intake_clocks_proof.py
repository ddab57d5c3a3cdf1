"""Statutory clocks, the signed proof of submission, and rate limits without addresses."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from moderation.clock import FixedClock
from moderation.intake.deadlines import (
    ClockRules,
    decision_due,
    extended_due,
    handling_due,
    hour_of,
    is_overdue,
    review_due,
    rules_for,
    within,
)
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import ClockPolicy
from moderation.intake.proof import ProofStatement, content_sha256, make_proof, verify_proof
from moderation.ratelease import SharedLeases
from moderation.ratelimit import (
    GLOBAL,
    DbStore,
    Limit,
    MemoryStore,
    RateCounter,
    RateLimiter,
    purge_expired,
)
from tests.conftest import ON_POSTGRES

KEYS = IntakeKeys.from_secrets("clock-test-secret-" + "c" * 40)


def test_default_clocks_follow_the_regulations() -> None:
    rules = ClockRules()
    # 23:30 UTC on 31 May is already 1 June in Beijing: the local day counts.
    assert decision_due(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), rules) == date(2026, 6, 16)
    assert handling_due(date(2026, 6, 10), rules) == date(2026, 8, 9)
    assert extended_due(date(2026, 8, 9), rules, extensions_so_far=0) == date(2026, 9, 8)
    assert extended_due(date(2026, 9, 8), rules, extensions_so_far=1) is None  # only once
    concluded = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    due = review_due(concluded, rules)
    assert due == date(2026, 7, 31)
    assert within(due, datetime(2026, 7, 31, 15, 59, tzinfo=UTC))  # 23:59 in Beijing
    assert not within(due, datetime(2026, 7, 31, 16, 0, tzinfo=UTC))
    assert is_overdue(date(2026, 6, 16), datetime(2026, 6, 16, 16, 0, tzinfo=UTC))
    assert not is_overdue(None, datetime(2026, 6, 16, tzinfo=UTC))
    assert hour_of(datetime(2026, 6, 1, 2, 59, 59, 9, tzinfo=UTC)) == \
        datetime(2026, 6, 1, 2, tzinfo=UTC)


def test_a_campaign_can_set_its_own_clocks(db: Session) -> None:
    assert rules_for(db) == ClockRules()
    db.add(ClockPolicy(decision_days=7, handling_days=30, extension_days=15,
                       review_window_days=10))
    db.commit()
    rules = rules_for(db)
    assert (rules.decision_days, rules.handling_days, rules.review_window_days) == (7, 30, 10)
    assert decision_due(datetime(2026, 6, 1, 2, tzinfo=UTC), rules) == date(2026, 6, 8)


def test_proof_verifies_and_any_single_changed_character_fails() -> None:
    digest = content_sha256({"kind": "tip", "content": "民警索贿"}, ["ab" * 32])
    statement = ProofStatement("MS-7K3Q-9D2F", date(2026, 6, 1), digest)
    token = make_proof(KEYS, statement)
    assert verify_proof(KEYS, token) == statement
    assert verify_proof(KEYS, f"  {token}\n") == statement
    alphabet = "0123456789abcdefABCDEFMS-.Z"
    for i, ch in enumerate(token):
        for other in alphabet:
            if other != ch:
                assert verify_proof(KEYS, token[:i] + other + token[i + 1:]) is None
    assert verify_proof(IntakeKeys.from_secrets("other-" + "o" * 40), token) is None
    for junk in ("", "MSP1", token + "0", token[:-1]):
        assert verify_proof(KEYS, junk) is None


def test_content_hash_is_canonical() -> None:
    composed = content_sha256({"content": "é", "kind": "tip"}, ["b", "a"])
    assert composed == content_sha256({"kind": "tip", "content": "e\u0301"}, ["a", "b"])
    assert composed != content_sha256({"kind": "tip", "content": "é!"}, ["a", "b"])


def _limiter(store, clock: FixedClock) -> RateLimiter:  # type: ignore[no-untyped-def]
    return RateLimiter(KEYS, store, clock)


@pytest.mark.parametrize("backend", ["memory", "db"])
def test_rate_limit_counts_per_client_and_window(backend: str, db: Session) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    store = MemoryStore() if backend == "memory" else DbStore(db)
    limiter = _limiter(store, clock)
    limit = Limit("receipt", 3, timedelta(minutes=15))
    decisions = [limiter.hit(limit, "203.0.113.9") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 0 < decisions[-1].retry_after <= 15 * 60
    assert not limiter.hit(limit, "203.0.113.9", count=False).allowed
    assert limiter.hit(limit, "198.51.100.7").allowed  # another client
    clock.advance(minutes=15)
    assert limiter.hit(limit, "203.0.113.9").allowed  # a new window
    assert limiter.hit(Limit("submit", 1, timedelta(hours=1)), GLOBAL).allowed
    db.commit()


@pytest.mark.parametrize("backend", ["memory", "db", "db in blocks"])
def test_limits_counted_in_turn_stop_at_the_first_refusal(backend: str, db: Session) -> None:
    """A citizen's limit, then the portal-wide one (on PostgreSQL, one statement): a
    citizen over their own limit is not counted against everyone's. Near so small a cap,
    counting in blocks (`SharedLeases`) counts each hit as it comes."""
    clock = FixedClock(datetime(2026, 6, 1, 2, 10, tzinfo=UTC))
    store = {"memory": MemoryStore(), "db": DbStore(db),
             "db in blocks": DbStore(db, leases=SharedLeases())}[backend]
    limiter = _limiter(store, clock)
    own, everyone = Limit("form", 2, timedelta(minutes=15)), Limit("form-all", 3,
                                                                   timedelta(hours=1))
    both = [(own, "203.0.113.9"), (everyone, GLOBAL)]
    assert limiter.hit_in_turn(both) is None
    assert limiter.hit_in_turn(both) is None
    refused = limiter.hit_in_turn(both)  # the third of this client: over its own limit
    assert refused is not None
    assert (refused.allowed, refused.count, refused.retry_after) == (False, 3, 5 * 60)
    assert limiter.hit(everyone, GLOBAL, count=False).count == 2  # not counted
    assert limiter.hit_in_turn([(own, "198.51.100.7"), (everyone, GLOBAL)]) is None
    full = limiter.hit_in_turn([(own, "192.0.2.1"), (everyone, GLOBAL)])
    assert full is not None
    assert (full.count, full.retry_after) == (4, 50 * 60)  # the portal-wide window
    clock.advance(hours=1)  # both windows over: counting starts again
    assert limiter.hit_in_turn(both) is None
    assert limiter.hit(everyone, GLOBAL, count=False).count == 1
    db.commit()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite takes no upsert in a WITH clause")
def test_on_postgresql_limits_in_turn_are_one_statement(db: Session, statements) -> None:  # type: ignore[no-untyped-def]
    limiter = _limiter(DbStore(db), FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC)))
    both = [(Limit("send", 5, timedelta(hours=1)), "203.0.113.9"),
            (Limit("send-all", 50, timedelta(hours=1)), GLOBAL)]
    db.connection()  # begin first: psycopg's BEGIN is a statement of its own
    statements.clear()
    assert limiter.hit_in_turn(both) is None
    assert len(statements) == 1
    db.commit()
    assert sorted(row.count for row in db.exec(select(RateCounter))) == [1, 1]


def test_counters_store_no_address_and_expire(db: Session) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    limiter = _limiter(DbStore(db), clock)
    limit = Limit("submit", 5, timedelta(hours=1))
    limiter.hit(limit, "203.0.113.9")
    db.commit()
    row = db.exec(select(RateCounter)).one()
    assert re.fullmatch(r"[0-9a-f]{64}", row.key)  # a keyed hash, nothing else
    assert (row.count, row.expires_at) == (1, datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    key_today = limiter.key(limit, "203.0.113.9")
    clock.advance(days=1)
    assert limiter.key(limit, "203.0.113.9") != key_today  # the day key rotated
    assert purge_expired(db, clock) == 1
    db.commit()
    assert db.exec(select(RateCounter)).first() is None
