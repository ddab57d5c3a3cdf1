"""Portal-wide counters counted in blocks: a process reserves several hits at once.

Every citizen's form and Send counts against one portal-wide row per window, and under a
press-conference peak that one row's lock is what all workers wait on. So a process adds
a block of hits to the row in one statement and hands them out itself, one per citizen,
until the block is used up. The cap still holds: a hit is only ever handed out after the
database counted it, so no more hits are allowed than the cap, whatever the number of
processes. What a block costs is precision the other way: hits reserved but not handed
out before the window ends were counted for nothing. Blocks are small far below the cap
and shrink to a single hit as it comes near (`block_size`), so the last hits before the
cap are counted one by one, exactly as without blocks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

LARGEST_BLOCK = 16
# A block is at most this share of the room left below the cap, so two processes that
# each leave a block unused lose at most 2/64 of the room.
ROOM_SHARE = 64


@dataclass
class _Block:
    spare: int  # reserved hits not handed out yet
    next_count: int  # the count the next hit handed out from this block has
    expires_at: datetime


class SharedLeases:
    """The blocks of portal-wide hits this process holds (one per counter key).

    Thread-safe; keep one per process (one per app), never share one between processes.
    """

    def __init__(self, largest: int = LARGEST_BLOCK, room_share: int = ROOM_SHARE) -> None:
        self.largest = largest
        self.room_share = room_share
        self._blocks: dict[str, _Block] = {}
        self._last_count: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: datetime) -> int | None:
        """One hit from this process's block for `key`: the count it stands for; None when
        no hit is left (the caller then counts in the database)."""
        with self._lock:
            block = self._blocks.get(key)
            if block is None or block.spare <= 0 or block.expires_at <= now:
                return None
            block.spare -= 1
            count = block.next_count
            block.next_count += 1
            self._last_count[key] = count
            return count

    def give_back(self, key: str) -> None:
        """Return a hit taken with `take` and not used (another limit refused it)."""
        with self._lock:
            block = self._blocks.get(key)
            if block is not None:
                block.spare += 1

    def block_size(self, key: str, max_hits: int) -> int:
        """How many hits to reserve at once for `key`: one while this process has not
        seen the counter yet (it learns the count), and one near the cap."""
        with self._lock:
            last = self._last_count.get(key)
        if last is None:
            return 1
        return max(1, min(self.largest, (max_hits - last) // self.room_share))

    def reserved(self, key: str, total: int, size: int, max_hits: int,
                 expires_at: datetime, now: datetime) -> int:
        """Record a block of `size` hits that brought the counter to `total`; the count
        of the hit taken now (the block's first). The rest, up to the cap, is kept."""
        count = total - size + 1
        spare = max(0, min(size - 1, max_hits - count))
        with self._lock:
            self._forget_expired(now)
            self._last_count[key] = count
            if spare:
                self._blocks[key] = _Block(spare, count + 1, expires_at)
            else:
                self._blocks.pop(key, None)
        return count

    def _forget_expired(self, now: datetime) -> None:
        for key in [key for key, block in self._blocks.items() if block.expires_at <= now]:
            del self._blocks[key]
        if len(self._last_count) > 1024:  # keys of past windows: only a hint, so drop all
            self._last_count.clear()
