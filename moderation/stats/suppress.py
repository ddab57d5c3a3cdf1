"""Small-count suppression for public figures.

A count under `THRESHOLD` is published as the marker `None` (shown as "<5"), so that a
single citizen's case cannot be picked out of a chart. A rate whose denominator is under
the threshold is not published at all. Leaders see every figure (`public=False`).
Only primary suppression is done: a suppressed cell can sometimes be worked out from
other published figures (e.g. a month's total minus the other kinds). Secondary
suppression is not attempted.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLD = 5
MARKER = f"<{THRESHOLD}"

# A published count: an int, or None when suppressed.
Count = int | None


def count(value: int, public: bool) -> Count:
    """`value`, or None when it is public and under the threshold."""
    return None if public and value < THRESHOLD else value


def shown(value: Count) -> str:
    """The text of a published count ("<5" when suppressed)."""
    return MARKER if value is None else str(value)


@dataclass(frozen=True)
class Rate:
    """A share: numerator over denominator, and the percentage (None when suppressed
    or when there is nothing to divide)."""

    numerator: Count
    denominator: Count
    percent: float | None

    @classmethod
    def of(cls, numerator: int, denominator: int, public: bool) -> Rate:
        rest = denominator - numerator
        # A percentage over a known total gives back both parts: hide it when either
        # part is a small group (20.0% of 10 would reveal the "<5" numerator as 2).
        small_part = numerator < THRESHOLD or 0 < rest < THRESHOLD
        if denominator == 0 or (public and (denominator < THRESHOLD or small_part)):
            return cls(count(numerator, public), count(denominator, public), None)
        return cls(count(numerator, public), count(denominator, public),
                   round(100 * numerator / denominator, 1))
