"""Serve the portal from the environment in a process of its own, for tests that kill it.

`python tests/serve_process.py PORT`; MINSHENG_TEST_CRASH_AT makes the process kill itself
(SIGKILL, as `kill -9` or a power cut would) at one point of a citizen's "Send":
`before_commit` (files promoted, no commit yet) or `after_commit` (committed, draft kept).
"""

from __future__ import annotations

import os
import signal
import sys

import uvicorn


def _die(*_args: object, **_kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


crash_at = os.environ.get("MINSHENG_TEST_CRASH_AT", "")
if crash_at == "before_commit":
    import moderation.intake.service as service

    service.index_submission = _die  # called after the files are promoted
elif crash_at == "after_commit":
    import portal.intake.pending as pending

    pending.Claim.discard = _die  # type: ignore[method-assign, assignment]

from portal.asgi import app, settings  # noqa: E402 - after the crash point is set
from portal.ops.serving import uvicorn_options  # noqa: E402

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]),
            **{**uvicorn_options(settings), "log_level": "warning"})
