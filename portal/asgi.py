"""ASGI entry point for a process manager: `uvicorn portal.asgi:app --workers N`.

The one module that builds the app at import time, from the environment: each worker
process imports it and gets its own app and engine. Everywhere else, call `create_app`.
"""

from __future__ import annotations

import logging

from portal.app import create_app
from portal.logging_setup import strip_tracebacks
from portal.ops.warm_start import warm_start
from portal.settings import Settings

# The access log would record every citizen's address and user agent; `portal serve`
# turns it off, and so does this module, whatever flags the process manager was given.
logging.getLogger("uvicorn.access").disabled = True

settings = Settings.from_env()
if settings.production:
    strip_tracebacks()
app = warm_start(create_app(settings))
