"""Turns an unhandled exception into the translated 500 page, inside the header policy."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("portal.errors")


class ServerErrorPageMiddleware:
    """Logs the exception type and path only (no query, no body: they may hold PII)."""

    def __init__(self, app: ASGIApp, *, tracebacks: bool = True) -> None:
        self.app = app
        # Exception messages can quote submitted values, so production logs only the type.
        self.tracebacks = tracebacks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error("unhandled %s on %s %s", type(exc).__name__, scope["method"],
                      scope["path"], exc_info=exc if self.tracebacks else None)
            if started:
                raise
            from portal.errors import error_page

            response = error_page(Request(scope, receive), 500)
            await response(scope, receive, send)
