"""A short-lived, per-process cache of the public campaign pages.

Every anonymous reader of `/` or `/ledger` in one language gets the same page, so the
rendered response is kept for a few seconds (nginx calls this micro-caching). Any commit
made in this process empties the cache at once; other workers see the change within
`ttl` seconds. The app clock's minute is part of the key, so an announcement scheduled
for 09:30 appears at 09:30 even when nothing was written.

The last good copy of each page is also kept (as many pages as the cache holds): while
the database cannot be reached, it is served stale rather than an error.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.middleware.outage import database_unavailable
from portal.public.display_mode import is_elder

# Pages with no form and nothing personal on them. Citizen and staff pages never qualify.
CACHEABLE = re.compile(
    r"^/(|pledges|how-to-report|privacy|announcements(/\d+)?|ledger(/\d+)?|statistics(\.csv)?"
    r"|feed\.atom|sitemap\.xml|robots\.txt)$"
)
MAX_BODY = 512 * 1024

_generation = itertools.count()
_current = [next(_generation)]


@event.listens_for(Engine, "commit")
def _content_changed(_connection: object) -> None:
    _current[0] = next(_generation)


@dataclass(frozen=True)
class _Entry:
    stored_at: float
    start: Message
    body: bytes


class PublicPageCache:
    """Serves repeated anonymous GETs of public pages from memory for `ttl` seconds."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], object], ttl: float = 5.0,
                 size: int = 256) -> None:
        self.app = app
        self.clock = clock
        self.ttl = ttl
        self.size = size
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.last_good: OrderedDict[tuple, _Entry] = OrderedDict()

    def _key(self, scope: Scope) -> tuple | None:
        if scope["type"] != "http" or scope["method"] != "GET" or self.ttl <= 0:
            return None
        if not CACHEABLE.match(scope["path"]):
            return None
        minute = self.clock().replace(second=0, microsecond=0)  # type: ignore[attr-defined]
        locale = scope.get("state", {}).get("locale")
        elder = is_elder(Headers(scope=scope))
        return (scope["path"], scope.get("query_string", b""), locale, elder, minute,
                _current[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key)
        if entry is not None and time.monotonic() - entry.stored_at < self.ttl:
            self.entries.move_to_end(key)
            await send(entry.start)
            await send({"type": "http.response.body", "body": entry.body})
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except Exception as exc:
            stale = self.last_good.get(key[:3])
            if start is not None or stale is None or not database_unavailable(exc):
                raise
            await send({**stale.start, "headers": [*stale.start.get("headers", []),
                                                    (b"x-stale", b"database unavailable")]})
            await send({"type": "http.response.body", "body": stale.body})
            return
        if start is None or start["status"] != 200 or size > MAX_BODY:
            return
        if any(name.lower() == b"set-cookie" for name, _ in start.get("headers", [])):
            return
        if scope.get("state", {}).get("csrf_cookie_new"):
            return  # the page issued a form token: it is personal
        entry = _Entry(time.monotonic(), start, b"".join(chunks))
        self.entries[key] = entry
        self.last_good[key[:3]] = entry
        self.last_good.move_to_end(key[:3])
        for kept in (self.entries, self.last_good):
            while len(kept) > self.size:
                kept.popitem(last=False)
