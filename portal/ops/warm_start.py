"""What a serving process does after start-up and before its first request.

**The cleaning sandbox's zygote is started.** It imports the file decoders (Pillow,
pypdf, mutagen, openpyxl), about 0.35 s on an idle machine. Started at the first upload
instead, it made that citizen wait, and every upload behind them in that worker: in a
press-conference spike (`bench/spike.py --pause 2`, 500 citizens arriving over two
seconds) waiting for a sandbox slot reached 1.2 s at p99.

**The heap built at start-up is kept out of garbage collection.** A worker holds some
140,000 objects from start-up (modules, SQLAlchemy's mappers, the app, its templates)
that live as long as the process. CPython's full collection walked every one of them
each time: 99 to 145 ms with the worker stopped, six to nine times a minute while
citizens send at full rate (`bench/post_load.py`), and every request in that worker
waited. `gc.freeze()` after start-up moves them to a generation the collector never
walks: the same collections then take 4 to 15 ms.

Only the serving entry points (`portal serve`, `portal.asgi`) do this: a test process
builds and drops many apps, and freezing would keep each one's garbage for good.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from moderation import sandbox

log = logging.getLogger(__name__)


def warm_start(app: Starlette) -> Starlette:
    """`app`, whose start-up ends by starting the sandbox, collecting once and freezing
    what is left."""
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        async with started(running) as state:
            try:
                await asyncio.to_thread(sandbox.start)
            except (sandbox.SandboxError, OSError):  # tips without files still go through
                log.warning("the file sandbox did not start; the first upload will retry")
            gc.collect()
            gc.freeze()
            yield state

    app.router.lifespan_context = lifespan
    return app
