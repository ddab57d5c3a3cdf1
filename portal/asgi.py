"""ASGI entry point for a process manager: `uvicorn portal.asgi:app --workers N`.

The one module that builds the app at import time, from the environment: each worker
process imports it and gets its own app and engine. Everywhere else, call `create_app`.
"""

from __future__ import annotations

from portal.app import create_app
from portal.settings import Settings

app = create_app(Settings.from_env())
