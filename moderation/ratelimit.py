"""The one rate limiter: every limit of the portal (citizen forms, receipts, staff sign-in).

A counter's key is HMAC(day key, scope | window | subject): the day key is derived from
the secret key and the UTC date, so it rotates daily, and the counters themselves
expire with their window. The subject (a client address, an account name, a browser's
nonce) is hashed in memory and then dropped; neither it nor a reusable hash of it is
stored. Two stores: `MemoryStore` (one process) and `DbStore` (rows in `ratecounter`,
for several workers; purge with `purge_expired`). Fixed windows; counters restart at
midnight UTC when the day key changes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Field, Session, SQLModel, col, delete, select

from moderation.clock import Clock, system_clock
from moderation.ratelease import SharedLeases
from moderation.sqltypes import UTCDateTime, utc_field

GLOBAL = "*"  # pass as the subject for a limit shared by every client


class RateCounter(SQLModel, table=True):
    """An expiring counter keyed by a keyed hash of (scope, subject, window); the scope
    says which limit it counts (an admin lifts sign-in blocks by scope), never who."""

    key: str = Field(max_length=64, primary_key=True)
    scope: str = Field(default="", max_length=32, index=True)
    count: int = Field(default=0)
    expires_at: datetime = utc_field(index=True)


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` per `window` for one scope (e.g. "intake-send", "login-account")."""

    scope: str
    max_hits: int
    window: timedelta


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


class DayKeys(Protocol):
    def ratelimit_key_for(self, day: date) -> bytes: ...


@dataclass(frozen=True)
class Count:
    """One counter to add to: its key, the end of its window, its scope, its maximum, and
    whether every client counts on it (a portal-wide limit)."""

    key: str
    expires_at: datetime
    scope: str
    max_hits: int
    shared: bool = False


class Store(Protocol):
    def add(self, key: str, by: int, expires_at: datetime, now: datetime,
            scope: str = "") -> int: ...

    def add_in_turn(self, counts: Sequence[Count], by: int, now: datetime) -> list[int]: ...

    def clear(self, key: str) -> None: ...


def add_one_by_one(store: Store, counts: Sequence[Count], amounts: Sequence[int],
                   now: datetime) -> list[int]:
    """`Store.add_in_turn` as one `add` per counter, each by its amount."""
    totals: list[int] = []
    for count, amount in zip(counts, amounts, strict=True):
        totals.append(store.add(count.key, amount, count.expires_at, now, count.scope))
        if totals[-1] > count.max_hits:
            break
    return totals


class MemoryStore:
    """Counters in this process's memory (enough for a single-process deployment)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._counts: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def add(self, key: str, by: int, expires_at: datetime, now: datetime,
            scope: str = "") -> int:
        with self._lock:
            if len(self._counts) >= self._max_keys:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, expiry = self._counts.get(key, (0, expires_at))
            if expiry <= now:
                count = 0
            self._counts[key] = (count + by, expires_at)
            return count + by

    def add_in_turn(self, counts: Sequence[Count], by: int, now: datetime) -> list[int]:
        """Add to each counter in turn, stopping after one that goes over its maximum;
        the new totals of those added to."""
        return add_one_by_one(self, counts, [by] * len(counts), now)

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class DbStore:
    """Counters as expiring rows; the caller commits (the count then holds for all).

    On PostgreSQL the table is unlogged (migration 0014): it writes no WAL, so a
    transaction that only counts commits without waiting for the disk, and the
    portal-wide counter row's lock is not held for a disk flush per citizen. A crash
    forgets the current windows' counts, which no one relies on.

    One statement per hit (an upsert that returns the new count), and on PostgreSQL one
    for a citizen's counter and the portal-wide one together (`add_in_turn`), because
    the portal-wide counters are one row that every worker's citizens count on: the fewer
    round trips between its lock and the commit, the more citizens per second get
    through (`bench/post_load.py`). With `leases`, a portal-wide counter at the end of
    `add_in_turn` is counted in blocks reserved by this process (`SharedLeases`), so
    most hits do not touch its row at all.
    """

    def __init__(self, session: Session, leases: SharedLeases | None = None) -> None:
        self.session = session
        self.leases = leases
        # Whether a portal-wide row was written in the session's transaction: commit it
        # before other work, so its lock is not held across that work (and a block's
        # hits are handed out only once the database holds them).
        self.wrote_shared_row = False

    def add(self, key: str, by: int, expires_at: datetime, now: datetime,
            scope: str = "") -> int:
        row = self.session.execute(_UPSERT, {"key": key, "scope": scope, "by": by,
                                             "expires_at": expires_at, "now": now})
        return int(row.scalar_one())

    def add_in_turn(self, counts: Sequence[Count], by: int, now: datetime) -> list[int]:
        """Add to each counter in turn, stopping after one that goes over its maximum;
        the new totals of those added to. On PostgreSQL one statement for all of them
        (a citizen's counter, then the portal-wide one): a round trip fewer per form.
        A portal-wide counter last in line is taken from this process's block of it
        when there is one, and otherwise reserves a block (see `SharedLeases`)."""
        leases, shared = self.leases, counts[-1] if counts else None
        if leases is None or shared is None or not shared.shared or by != 1:
            self.wrote_shared_row |= any(count.shared for count in counts)
            return self._add_amounts(counts, [by] * len(counts), now)
        firsts = counts[:-1]
        taken = leases.take(shared.key, now)
        if taken is None:
            size = leases.block_size(shared.key, shared.max_hits)
            totals = self._add_amounts(counts, [1] * len(firsts) + [size], now)
            if len(totals) == len(counts):
                self.wrote_shared_row = True
                totals[-1] = leases.reserved(shared.key, totals[-1], size, shared.max_hits,
                                             shared.expires_at, now)
            return totals
        # A hit of the block is taken: count the others, and give it back if one refuses.
        totals = self._add_amounts(firsts, [1] * len(firsts), now)
        if len(totals) < len(firsts) or any(
                total > count.max_hits for total, count in zip(totals, firsts, strict=False)):
            leases.give_back(shared.key)
            return totals
        return [*totals, taken]

    def _add_amounts(self, counts: Sequence[Count], amounts: Sequence[int],
                     now: datetime) -> list[int]:
        """`add_in_turn` with an amount per counter."""
        if not counts:
            return []
        connection = self.session.connection()
        if len(counts) < 2 or connection.dialect.name != "postgresql":
            return add_one_by_one(self, counts, amounts, now)
        values: dict[str, object] = {"now": now}
        for i, (count, amount) in enumerate(zip(counts, amounts, strict=True)):
            values |= {f"key{i}": count.key, f"scope{i}": count.scope, f"by{i}": amount,
                       f"expires{i}": count.expires_at, f"max{i}": count.max_hits}
        row = connection.execute(_upserts_in_turn(len(counts)), values).one()
        return [int(total) for total in row if total is not None]

    def clear(self, key: str) -> None:
        self.session.exec(delete(RateCounter).where(col(RateCounter.key) == key))  # type: ignore[call-overload]


# Written once, as text: building the upsert with the expression language cost more CPU
# per citizen than the database spent on it. Both SQLite (3.35+) and PostgreSQL read it.
_UPSERT = text(
    "INSERT INTO ratecounter (key, scope, count, expires_at) "
    "VALUES (:key, :scope, :by, :expires_at) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN ratecounter.expires_at <= :now THEN :by "
    "ELSE ratecounter.count + :by END, expires_at = :expires_at "
    "RETURNING count"
).bindparams(bindparam("expires_at", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))


@functools.cache
def _upserts_in_turn(n: int) -> TextClause:
    """`n` upserts in one PostgreSQL statement, each made only when the one before left
    its counter within its maximum; selects each new count (NULL where none was made)."""
    # Only step numbers are formatted into the text; every value is a bound parameter.
    steps = []
    for i in range(n):
        row = (f"CAST(:key{i} AS VARCHAR), CAST(:scope{i} AS VARCHAR), "
               f"CAST(:by{i} AS INTEGER), :expires{i}")
        source = (f"VALUES ({row})" if i == 0
                  else f"SELECT {row} FROM step{i - 1} "  # noqa: S608
                       f"WHERE step{i - 1}.count <= :max{i - 1}")
        steps.append(
            f"step{i} AS (INSERT INTO ratecounter (key, scope, count, expires_at) {source} "
            "ON CONFLICT (key) DO UPDATE SET "
            f"count = CASE WHEN ratecounter.expires_at <= :now THEN :by{i} "
            f"ELSE ratecounter.count + :by{i} END, expires_at = :expires{i} RETURNING count)")
    totals = ", ".join(f"(SELECT count FROM step{i})" for i in range(n))  # noqa: S608
    return text(f"WITH {', '.join(steps)} SELECT {totals}").bindparams(
        bindparam("now", type_=UTCDateTime()),
        *(bindparam(f"expires{i}", type_=UTCDateTime()) for i in range(n)))


def purge_expired(session: Session, clock: Clock = system_clock) -> int:
    """Delete expired counter rows; returns how many."""
    result = session.exec(delete(RateCounter).where(  # type: ignore[call-overload]
        col(RateCounter.expires_at) <= clock()))
    return int(result.rowcount or 0)


class RateLimiter:
    """Counts hits per (scope, client) in fixed windows; never sees a stored address."""

    def __init__(self, keys: DayKeys, store: Store, clock: Clock = system_clock) -> None:
        self.keys = keys
        self.store = store
        self.clock = clock

    def _window(self, limit: Limit, now: datetime) -> tuple[int, datetime]:
        seconds = max(1, int(limit.window.total_seconds()))
        index = int(now.timestamp()) // seconds
        return index, datetime.fromtimestamp((index + 1) * seconds, now.tzinfo)

    def key(self, limit: Limit, address: str, now: datetime | None = None) -> str:
        """The counter key for a client in the current window (a keyed hash)."""
        now = now or self.clock()
        index, _ = self._window(limit, now)
        day_key = self.keys.ratelimit_key_for(now.date())
        message = f"{limit.scope}|{index}|{address}".encode()
        return hmac.new(day_key, message, hashlib.sha256).hexdigest()

    def _counter(self, limit: Limit, subject: str, now: datetime) -> Count:
        """The counter of `subject` for `limit` in the window of `now`."""
        _, window_end = self._window(limit, now)
        return Count(self.key(limit, subject, now), window_end, limit.scope, limit.max_hits,
                     shared=subject == GLOBAL)

    def hit(self, limit: Limit, address: str, *, count: bool = True) -> Decision:
        """Count one hit (or only look, with count=False) and say whether it is allowed."""
        now = self.clock()
        counter = self._counter(limit, address, now)
        total = self.store.add(counter.key, 1 if count else 0, counter.expires_at, now,
                               counter.scope)
        allowed = total <= limit.max_hits if count else total < limit.max_hits
        return Decision(allowed, total, _retry_after(counter, now))

    def hit_in_turn(self, limits: Sequence[tuple[Limit, str]]) -> Decision | None:
        """Count one hit against each (limit, subject) in turn, stopping at the first
        that refuses it (later limits are then not counted); that refusal, or None."""
        now = self.clock()
        counts = [self._counter(limit, subject, now) for limit, subject in limits]
        totals = self.store.add_in_turn(counts, 1, now)
        for count, total in zip(counts, totals, strict=False):
            if total > count.max_hits:
                return Decision(False, total, _retry_after(count, now))
        return None

    def clear(self, limit: Limit, address: str) -> None:
        """Forget the current window's count of `address` (e.g. after a good sign-in)."""
        self.store.clear(self.key(limit, address))


def _retry_after(count: Count, now: datetime) -> int:
    """Whole seconds until the counter's window ends (at least one)."""
    return max(1, int((count.expires_at - now).total_seconds()))


def over_limit(session: Session, limits: dict[str, int], now: datetime) -> list[RateCounter]:
    """Live counters of the given scopes that have reached their limit (scope -> max)."""
    rows = session.exec(select(RateCounter).where(
        col(RateCounter.scope).in_(list(limits)), col(RateCounter.expires_at) > now))
    return [row for row in rows if row.count >= limits[row.scope]]


def lift(session: Session, key: str, scopes: set[str]) -> RateCounter | None:
    """Delete the counter `key` if it counts one of `scopes`; the row removed, if any."""
    row = session.get(RateCounter, key)
    if row is None or row.scope not in scopes:
        return None
    session.delete(row)
    return row
