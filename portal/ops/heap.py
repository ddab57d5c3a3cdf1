"""The serving process's heap: what was built at start-up is kept out of garbage collection.

A worker holds some 140,000 objects from start-up (modules, SQLAlchemy's mappers, the
app, its templates) that live as long as the process. CPython's full collection walked
every one of them each time: 100 to 145 ms with the worker stopped, six to nine times a
minute while citizens send at full rate (`bench/post_load.py`), and every request in
that worker waited. `gc.freeze()` after start-up moves them to a generation the collector
never walks: the same collections then take 4 to 15 ms.

Only the serving entry points (`portal serve`, `portal.asgi`) do it: a test process
builds and drops many apps, and freezing would keep each one's garbage for good.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette


def freeze_after_start(app: Starlette) -> Starlette:
    """`app`, whose start-up ends by collecting once and freezing what is left."""
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        async with started(running) as state:
            gc.collect()
            gc.freeze()
            yield state

    app.router.lifespan_context = lifespan
    return app
