"""Serving options: uvicorn with deadlines for slow and idle clients.

uvicorn closes a connection idle *between* requests (`timeout_keep_alive`) but gives a
new connection, a request head or a body all the time they like: 200 idle sockets or
a one-byte-per-second upload stay open for ever. `GuardedH11Protocol` adds:

- a head deadline: a connection must deliver a complete request head within
  CLIENT_HEADER_TIMEOUT seconds of its first byte (or of opening, for a new one);
- a body rate: after CLIENT_BODY_TIMEOUT seconds of grace, a body must keep arriving at
  CLIENT_BODY_MIN_RATE bytes per second on average, or the connection is closed.

Use it with `portal serve`, or `uvicorn --http portal.ops.serving:GuardedH11Protocol`.
uvicorn builds the protocol without the app's Settings, so it reads the same variables
from the environment; `Settings.from_env` validates them at start-up.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULTS = {"CLIENT_HEADER_TIMEOUT": 10, "CLIENT_BODY_TIMEOUT": 20,
            "CLIENT_BODY_MIN_RATE": 1024, "KEEPALIVE_TIMEOUT": 5}


def limit(name: str) -> int:
    """A client timeout from the environment (positive whole number), or its default."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULTS[name]


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and a minimum body rate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = limit("CLIENT_HEADER_TIMEOUT")
        self.body_grace = limit("CLIENT_BODY_TIMEOUT")
        self.body_min_rate = limit("CLIENT_BODY_MIN_RATE")
        self._deadline: asyncio.TimerHandle | None = None
        self._body_started = 0.0
        self._body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)  # a connection that never speaks is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting_for_head = self.conn.their_state is h11.IDLE
        if waiting_for_head and self._deadline is None:
            self._arm(self.header_timeout)
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if waiting_for_head:  # the head just completed: now the body's clock runs
                self._body_started, self._body_bytes = time.monotonic(), 0
            else:
                self._body_bytes += len(data)
            allowed = self.body_grace + self._body_bytes / self.body_min_rate
            self._arm(max(0.0, self._body_started + allowed - time.monotonic()))
        elif state is not h11.IDLE:
            self._disarm()  # the request is in: the application takes its time

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.flow.read_paused:  # the application is behind, not the client
            self._arm(self.body_grace)
            return
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """Options for `uvicorn.run` shared by `portal serve` and the test servers."""
    return {
        "access_log": False,  # the server must not record client addresses or user agents
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "server_header": False, "date_header": False, "log_level": "info",
        "http": GuardedH11Protocol,
        "timeout_keep_alive": settings.keepalive_timeout,
    }
