"""Data that changes a few times a month (units, categories, campaign texts), kept in
each worker and loaded again when it changes.

An entry is reloaded when a commit in this worker wrote one of the tables it was read
from (at once, see `portal.db_changes`), and in any case after `ttl` seconds, which is
how long a change made by another worker can stay unseen. Loaders return plain values
(tuples, dataclasses, detached rows with their columns loaded), never a live Session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from portal.db_changes import generation

T = TypeVar("T")


@dataclass(frozen=True)
class CachedData(Generic[T]):
    """A named loader and the tables its result is read from."""

    name: str
    tables: frozenset[str]
    load: Callable[[Session], T]


@dataclass(frozen=True)
class _Entry:
    value: object
    generation: int
    loaded_at: float


class WorkerCache:
    """Per-worker values of `CachedData`; `ttl` 0 loads on every call."""

    def __init__(self, ttl: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.monotonic = monotonic
        self.entries: dict[str, _Entry] = {}

    def fresh(self, data: CachedData[T]) -> T | None:
        """The cached value if it is still current, else None (no database work)."""
        entry = self.entries.get(data.name)
        if (entry is not None and entry.generation == generation(data.tables)
                and self.monotonic() - entry.loaded_at < self.ttl):
            return entry.value  # type: ignore[return-value]
        return None

    def get(self, engine: Engine, data: CachedData[T]) -> T:
        """The cached value of `data`, loaded again if stale."""
        current = generation(data.tables)
        value = self.fresh(data)
        if value is not None:
            return value
        loaded_at = self.monotonic()
        with Session(engine, expire_on_commit=False) as session:
            value = data.load(session)
        # The generation read before loading: a commit during the load means reload next time.
        self.entries[data.name] = _Entry(value, current, loaded_at)
        return value

    def clear(self) -> None:
        self.entries.clear()


def cached(request: Request, data: CachedData[T]) -> T:
    """The worker's cached value of `data` for this request's app."""
    return request.app.state.worker_cache.get(request.state.engine, data)


async def cached_async(request: Request, data: CachedData[T]) -> T:
    """`cached` for async handlers: a hit costs no thread, a load runs in the thread pool."""
    value = request.app.state.worker_cache.fresh(data)
    if value is not None:
        return value
    return await run_in_threadpool(cached, request, data)
