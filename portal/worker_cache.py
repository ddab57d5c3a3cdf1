"""Data that changes a few times a month (units, categories, campaign texts), kept in
each worker and loaded again when it changes.

An entry is reloaded when a commit in this worker wrote one of the tables it was read
from (at once, see `portal.db_changes`), and in any case after `ttl` seconds, which is
how long a change made by another worker can stay unseen. Loaders return plain values
(tuples, dataclasses, detached rows with their columns loaded), never a live Session.

Loads for async handlers run in a lane of their own (`LOAD_THREADS` threads per app), not
in the pool that serves requests: a load is a few milliseconds of work that every reader
of the page waits for, and in a press-conference spike the request pool is full of
submissions. Queued behind them, a reload of the home page's data took up to 2.6 s, and
every reader of the page waited with it (`bench/spike.py`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request

from portal.db_changes import generation

T = TypeVar("T")
LOAD_THREADS = 2


@dataclass(frozen=True)
class CachedData(Generic[T]):
    """A named loader and the tables its result is read from.

    `load(session, *args)`: the arguments (hashable: a page number, a minute) are part
    of the cache key.
    """

    name: str
    tables: frozenset[str]
    load: Callable[..., T]


@dataclass(frozen=True)
class _Entry:
    value: Any
    generation: int
    loaded_at: float


class WorkerCache:
    """Per-worker values of `CachedData`; `ttl` 0 loads on every call."""

    def __init__(self, ttl: float, monotonic: Callable[[], float] = time.monotonic,
                 size: int = 512) -> None:
        self.ttl = ttl
        self.monotonic = monotonic
        self.size = size
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()

    def fresh(self, data: CachedData[T], *args: Hashable) -> T | None:
        """The cached value if it is still current, else None (no database work)."""
        entry = self.entries.get((data.name, *args))
        if (entry is not None and entry.generation == generation(data.tables)
                and self.monotonic() - entry.loaded_at < self.ttl):
            return entry.value
        return None

    def get(self, engine: Engine, data: CachedData[T], *args: Hashable) -> T:
        """The cached value of `data`, loaded again if stale."""
        current = generation(data.tables)
        value = self.fresh(data, *args)
        if value is not None:
            return value
        loaded_at = self.monotonic()
        with Session(engine, expire_on_commit=False) as session:
            value = data.load(session, *args)
        # The generation read before loading: a commit during the load means reload next time.
        key = (data.name, *args)
        self.entries[key] = _Entry(value, current, loaded_at)
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        self.entries.clear()


def cached(request: Request, data: CachedData[T], *args: Hashable) -> T:
    """The worker's cached value of `data` for this request's app."""
    return request.app.state.worker_cache.get(request.state.engine, data, *args)


async def cached_async(request: Request, data: CachedData[T], *args: Hashable) -> T:
    """`cached` for async handlers: a hit costs no thread, a load runs in the thread pool."""
    value = request.app.state.worker_cache.fresh(data, *args)
    if value is not None:
        return value
    return await anyio.to_thread.run_sync(lambda: cached(request, data, *args),
                                          limiter=load_lane(request))


def load_lane(request: Request) -> anyio.CapacityLimiter:
    """The app's threads for loads, apart from the request pool (made on first use, in
    the event loop)."""
    lane = getattr(request.app.state, "load_lane", None)
    if lane is None:
        lane = request.app.state.load_lane = anyio.CapacityLimiter(LOAD_THREADS)
    return lane
