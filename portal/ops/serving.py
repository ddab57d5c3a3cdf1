"""Serving options: uvicorn on httptools and uvloop, with deadlines for slow and idle clients.

uvicorn closes a connection idle *between* requests (`timeout_keep_alive`) but gives a
new connection, a request head or a body all the time they like: 200 idle sockets or
a one-byte-per-second upload stay open for ever. `GuardedHttpToolsProtocol` adds:

- a head deadline: a connection must deliver a complete request head within
  CLIENT_HEADER_TIMEOUT seconds of its first byte (or of opening, for a new one);
- a body rate: after CLIENT_BODY_TIMEOUT seconds of grace, a body must keep arriving at
  CLIENT_BODY_MIN_RATE bytes per second on average, or the connection is closed;
- a head size: a request line and headers over MAX_HEAD_BYTES get a 431 and the
  connection is closed (httptools itself sets no limit; h11 stopped at the same size).

Each request's scope also carries what the protocol knows of its client
(`CycleClient`, under `portal.middleware.admission.CLIENT_EXTENSION`): whether the next
part of the body has arrived, whether the client takes what is sent, whether it left. The
admission line reads it to give a place back while a request waits for its client.

A request the parser refuses gets a short answer in Chinese and English, not uvicorn's
English-only one: a head too large is nearly always a browser carrying too many cookies
for the domain (a shared government domain collects them), and the citizen can fix that.

It parses with httptools (llhttp, in C) rather than h11 (pure Python), and the event loop
is uvloop's: together they raised sending with two workers from 79 to 89 submissions a
second (`bench/post_load.py`). Use it with `portal serve`, or `uvicorn --http
portal.ops.serving:GuardedHttpToolsProtocol --loop uvloop`; the name earlier releases
documented, `GuardedH11Protocol`, is the same class. uvicorn builds the protocol without
the app's Settings, so it reads the same variables from the environment;
`Settings.from_env` validates them at start-up.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from portal.middleware.admission import CLIENT_EXTENSION

MAX_HEAD_BYTES = 16 * 1024  # h11's default, which the portal served with before
DEFAULTS = {"CLIENT_HEADER_TIMEOUT": 10, "CLIENT_BODY_TIMEOUT": 20,
            "CLIENT_BODY_MIN_RATE": 1024, "KEEPALIVE_TIMEOUT": 5}


class HeadTooLarge(Exception):
    """Raised from a parser callback: httptools turns it into a parser error."""


def _plain_answer(status_line: bytes, text: str) -> bytes:
    body = text.encode()
    return b"".join((status_line, b"content-type: text/plain; charset=utf-8\r\n",
                     b"x-content-type-options: nosniff\r\n", b"cache-control: no-store\r\n",
                     b"content-length: %d\r\n" % len(body), b"connection: close\r\n\r\n",
                     body))


BAD_REQUEST = _plain_answer(
    b"HTTP/1.1 400 Bad Request\r\n",
    "请求无法识别。请返回上一页重试。\nThe request could not be read. Go back and try again.\n")
HEAD_TOO_LARGE = _plain_answer(
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
    "浏览器发送的 Cookie 过多。请在浏览器设置中清除本网站的 Cookie，然后重试。\n"
    "Your browser sent too many cookies. Clear the cookies of this site in your browser's "
    "settings, then try again.\n")


def limit(name: str) -> int:
    """A client timeout from the environment (positive whole number), or its default."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULTS[name]


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request head and a minimum
    body rate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = limit("CLIENT_HEADER_TIMEOUT")
        self.body_grace = limit("CLIENT_BODY_TIMEOUT")
        self.body_min_rate = limit("CLIENT_BODY_MIN_RATE")
        self._deadline: asyncio.TimerHandle | None = None
        self._body_started = 0.0
        self._body_bytes = 0
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)  # a connection that never speaks is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # The parser's callbacks: a head begins, completes, its body arrives, the request is in.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._deadline is None:  # a new connection's first head keeps its first clock
            self._arm(self.header_timeout)

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        """Answer a request the parser refused, in both languages, and close."""
        too_large = self._head_bytes > MAX_HEAD_BYTES
        self.transport.write(HEAD_TOO_LARGE if too_large else BAD_REQUEST)
        self.transport.close()

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope:
            self.scope.setdefault("extensions", {})[CLIENT_EXTENSION] = CycleClient(cycle)
        self._body_started, self._body_bytes = time.monotonic(), 0
        self._arm(self.body_grace)  # now the body's clock runs

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._body_bytes += len(body)
        allowed = self.body_grace + self._body_bytes / self.body_min_rate
        self._arm(max(0.0, self._body_started + allowed - time.monotonic()))

    def on_message_complete(self) -> None:
        super().on_message_complete()
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


class CycleClient:
    """What a request's cycle knows of its client, for the admission line
    (`portal.middleware.admission.ClientState`)."""

    __slots__ = ("cycle",)

    def __init__(self, cycle: RequestResponseCycle) -> None:
        self.cycle = cycle

    def body_ready(self) -> bool:
        cycle = self.cycle
        return cycle.message_event.is_set() or cycle.disconnected or cycle.response_complete

    def send_ready(self) -> bool:
        return not self.cycle.flow.write_paused or self.cycle.disconnected

    def gone(self) -> bool:
        return self.cycle.disconnected


GuardedH11Protocol = GuardedHttpToolsProtocol  # the name in earlier releases' deployments


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """Options for `uvicorn.run` shared by `portal serve` and the test servers."""
    return {
        "access_log": False,  # the server must not record client addresses or user agents
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "server_header": False, "date_header": False, "log_level": "info",
        "http": GuardedHttpToolsProtocol, "loop": "uvloop",
        "timeout_keep_alive": settings.keepalive_timeout,
    }
