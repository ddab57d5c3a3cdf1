"""Rate limits for citizen routes, without ever keeping a client's address.

A counter's key is HMAC(day key, scope | window | address): the day key is derived from
the secret key and the UTC date, so it rotates daily, and the counters themselves
expire with their window. The address is hashed in memory and then dropped; neither
it nor a reusable hash of it is stored. Two stores: `MemoryStore` (one process) and
`DbStore` (rows in `ratecounter`, for several workers; purge with `purge_expired`).
Fixed windows; counters restart at midnight UTC when the day key changes.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from moderation.clock import Clock, system_clock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import RateCounter

GLOBAL = "*"  # pass as the address for a limit shared by every client


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` per `window` for one scope (e.g. "submit", "receipt")."""

    scope: str
    max_hits: int
    window: timedelta


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


class Store(Protocol):
    def add(self, key: str, by: int, expires_at: datetime, now: datetime) -> int: ...


class MemoryStore:
    """Counters in this process's memory (enough for a single-process deployment)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._counts: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def add(self, key: str, by: int, expires_at: datetime, now: datetime) -> int:
        with self._lock:
            if len(self._counts) >= self._max_keys:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, expiry = self._counts.get(key, (0, expires_at))
            if expiry <= now:
                count = 0
            self._counts[key] = (count + by, expires_at)
            return count + by


class DbStore:
    """Counters as expiring rows; the caller commits (the count then holds for all)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: str, by: int, expires_at: datetime, now: datetime) -> int:
        for _ in range(2):
            row = self.session.exec(
                select(RateCounter).where(RateCounter.key == key).with_for_update()).first()
            if row is not None:
                row.count = (0 if row.expires_at <= now else row.count) + by
                row.expires_at = expires_at
                self.session.add(row)
                self.session.flush()
                return row.count
            try:
                with self.session.begin_nested():
                    self.session.add(RateCounter(key=key, count=by, expires_at=expires_at))
                    self.session.flush()
                return by
            except IntegrityError:
                continue  # another worker created it: update that row instead
        raise RuntimeError("rate counter could not be updated")


def purge_expired(session: Session, clock: Clock = system_clock) -> int:
    """Delete expired counter rows; returns how many."""
    result = session.exec(delete(RateCounter).where(  # type: ignore[call-overload]
        col(RateCounter.expires_at) <= clock()))
    return int(result.rowcount or 0)


class RateLimiter:
    """Counts hits per (scope, client) in fixed windows; never sees a stored address."""

    def __init__(self, keys: IntakeKeys, store: Store, clock: Clock = system_clock) -> None:
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

    def hit(self, limit: Limit, address: str, *, count: bool = True) -> Decision:
        """Count one hit (or only look, with count=False) and say whether it is allowed."""
        now = self.clock()
        _, window_end = self._window(limit, now)
        total = self.store.add(self.key(limit, address, now), 1 if count else 0,
                               window_end, now)
        retry = max(1, int((window_end - now).total_seconds()))
        allowed = total <= limit.max_hits if count else total < limit.max_hits
        return Decision(allowed, total, retry)
