"""Admission: a worker computes a few requests at once; the others wait their turn in line.

Without it a worker takes on every request that arrives. In the closed-loop spike
(`bench/spike.py`: 500 connections, 3 workers) that is some 170 requests per worker, all
interleaved on one event loop and one GIL. Every step of a request (reading the form, a
database call in a thread, rendering) waits behind a step of every other. So a request of
many steps waits many times. Sending a tip is three requests of several steps each: its
p99 was 7.5-8.2 s while a page read took about 1 s, and who came first was not served
first.

`AdmissionGate` lets at most `limit` requests run in the worker. The others wait in line,
first come, first served. There are two lines, and the first is always served first:

- **under way**: a request that carries an action (any POST: a form step, "Send", a
  follow-up login, a staff decision), the pages such an action leads to (the receipt of a
  Send, a citizen's own case), staff pages (the few people working the queue), and a
  request coming back after waiting for its client (below);
- **new**: everything else, which is reading public pages.

So a citizen who has started to send finishes before new readers are served. In a spike,
readers of pages that are rendered wait longer and senders much less. Cached public pages
never reach the line: the page cache answers them first (`portal.app`).

A request gives its place back while it waits for its client: for the next part of an
upload's body, or for a slow reader to take the next part of a download. A slow or hostile
client never holds a place. The serving protocol (`portal.ops.serving`) tells through the
scope extension `CLIENT_EXTENSION` whether the data is already there; when it is, nothing
is given back. Under another server, every wait for a request body gives the place back.
A request whose client left while it waited in line is dropped without running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLIENT_EXTENSION = "minsheng.client"
UNDER_WAY_PATHS = frozenset({"/submit/receipt", "/track/case"})
STAFF_PREFIX = "/staff"


class ClientState(Protocol):
    """What the serving protocol knows about a request's client, without waiting."""

    def body_ready(self) -> bool:
        """The next part of the request (or its end) has arrived: `receive` won't wait."""

    def send_ready(self) -> bool:
        """The client is taking what is sent: `send` won't wait."""

    def gone(self) -> bool:
        """The client has closed the connection."""


class _UnknownClient:
    """Under a server that says nothing: body waits may be long, sends are not."""

    def body_ready(self) -> bool:
        return False

    def send_ready(self) -> bool:
        return True

    def gone(self) -> bool:
        return False


UNKNOWN_CLIENT = _UnknownClient()


class Line:
    """At most `limit` places; waiters are served in order of arrival, urgent ones first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.free = limit
        self.urgent: deque[asyncio.Future[None]] = deque()
        self.normal: deque[asyncio.Future[None]] = deque()

    async def enter(self, urgent: bool) -> None:
        """Take a place, after everyone already waiting in this line or an earlier one."""
        if self.free > 0:  # then nobody waits: `leave` hands places to waiters first
            self.free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line = self.urgent if urgent else self.normal
        line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.cancelled():
                with contextlib.suppress(ValueError):  # `leave` may have dropped it already
                    line.remove(waiter)
            else:
                self.leave()  # it was handed a place as it was cancelled: pass it on
            raise

    def leave(self) -> None:
        """Give a place back: to the first one still waiting, else to the free places."""
        for waiting in (self.urgent, self.normal):
            while waiting:
                waiter = waiting.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self.free += 1

    def waiting(self) -> tuple[int, int]:
        """How many wait in the urgent line and in the normal one."""
        return len(self.urgent), len(self.normal)


class AdmissionGate:
    """ASGI middleware: at most `limit` HTTP requests of this worker run at once."""

    def __init__(self, app: ASGIApp, *, line: Line) -> None:
        self.app = app
        self.line = line

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.line.enter(under_way(scope))
        visit = _Visit(self.line, scope, receive, send)
        try:
            if not visit.client.gone():
                await self.app(scope, visit.receive, visit.send)
        finally:
            visit.finished = True
            if visit.holding:
                self.line.leave()


def under_way(scope: Scope) -> bool:
    """True for a request that goes in the first line (see the module's docstring)."""
    path = scope["path"]
    return scope["method"] == "POST" or path in UNDER_WAY_PATHS or path.startswith(STAFF_PREFIX)


class _Visit:
    """One request's place, given back while it waits for its client."""

    __slots__ = ("_receive", "_send", "body_done", "client", "finished", "holding", "line")

    def __init__(self, line: Line, scope: Scope, receive: Receive, send: Send) -> None:
        self.line = line
        extensions = scope.get("extensions")
        self.client: ClientState = (extensions or {}).get(CLIENT_EXTENSION, UNKNOWN_CLIENT)
        self.holding = True
        self.finished = False  # the app has returned; a task it left may still wait
        self.body_done = False
        self._receive = receive
        self._send = send

    async def receive(self) -> Message:
        if self.body_done or not self.holding or self.client.body_ready():
            message = await self._receive()
        else:
            message = await self._away(self._receive())
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.body_done = True  # later calls only wait for a disconnect, in parallel
        return message

    async def send(self, message: Message) -> None:
        if not self.holding or self.client.send_ready():
            await self._send(message)
        else:
            await self._away(self._send(message))

    async def _away(self, waiting: Any) -> Any:
        self.line.leave()
        self.holding = False
        result = await waiting  # if this raises, no place is taken again
        if not self.finished:
            await self.line.enter(urgent=True)
            if self.finished:  # the app returned meanwhile: nobody will give it back
                self.line.leave()
            else:
                self.holding = True
        return result


class LineCollector(Collector):
    """Requests running and waiting in this worker's line, read when scraped."""

    def __init__(self, line: Line) -> None:
        self.line = line

    def collect(self) -> Iterable[GaugeMetricFamily]:
        running = GaugeMetricFamily("minsheng_requests_running",
                                    "Requests this worker is working on")
        running.add_metric([], self.line.limit - self.line.free)
        waiting = GaugeMetricFamily("minsheng_requests_waiting",
                                    "Requests waiting for a place in this worker", labels=["line"])
        urgent, normal = self.line.waiting()
        waiting.add_metric(["under way"], urgent)
        waiting.add_metric(["new"], normal)
        yield running
        yield waiting
