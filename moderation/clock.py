"""Time as a dependency: the domain asks a clock, so tests can move time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is put; `advance` moves it (for tests)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


class AtMostEvery:
    """Whether a periodic chore is due: at most once per `interval` of the times it is
    shown, and at once when the clock went back. Safe to share between threads."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval
        self._last: datetime | None = None
        self._lock = threading.Lock()

    def due(self, now: datetime) -> bool:
        """True, and remember `now`, if the chore should run now."""
        with self._lock:
            if self._last is not None and timedelta(0) <= now - self._last < self.interval:
                return False
            self._last = now
            return True
