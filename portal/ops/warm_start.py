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

**Threads get the GIL back sooner.** A worker's event loop serves cached pages and
parses requests while its threads run the database work of submissions and follow-up
logins; a thread that is ready waits until the loop releases the GIL, by default every
5 ms. At 1 ms, in the closed-loop spike (`bench/spike.py`, three pairs of 30 s runs
alternated with the default): 874, 914 and 766 req/s against 791, 806 and 616, and
submissions at p99 8.9, 6.4 and 10.4 s against 11.0, 10.3 and 13.6 s. Sending alone
(`bench/post_load.py`) was unchanged (108 and 108/s against 100 and 111/s).

Only the serving entry points (`portal serve`, `portal.asgi`) do this: a test process
builds and drops many apps, and freezing would keep each one's garbage for good.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from moderation import sandbox

log = logging.getLogger(__name__)

SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while another waits (5 ms)


def warm_start(app: Starlette) -> Starlette:
    """`app`, whose start-up ends by starting the sandbox, collecting once, freezing what
    is left and shortening the GIL's switch interval."""
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
            sys.setswitchinterval(SWITCH_INTERVAL)
            yield state

    app.router.lifespan_context = lifespan
    return app
