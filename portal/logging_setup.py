"""Production logging: no traceback from any source, uvicorn's own included.

Tracebacks quote local values and exception messages, and those can hold what a citizen
typed. In production every log record loses its `exc_info` and stack before any handler
sees it; the exception's type is kept at the end of the message, which is enough to
find the cause in a test environment with the same input.
"""

from __future__ import annotations

import logging
from typing import Any

_INSTALLED = "_minsheng_no_tracebacks"


def strip_tracebacks() -> None:
    """Make every log record of this process carry no traceback (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _INSTALLED, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.exc_info:
            kind = record.exc_info[0]
            if kind is not None:
                record.msg = f"{record.msg} [{kind.__name__.replace('%', '')}]"
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return record

    setattr(factory, _INSTALLED, True)
    logging.setLogRecordFactory(factory)
