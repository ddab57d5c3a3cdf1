"""A short-lived, per-process cache of the public campaign pages.

Every anonymous reader of `/` or `/ledger` in one language gets the same page, so the
rendered response is kept for a few seconds (nginx calls this micro-caching). It is the
outermost layer: a hit is answered before the other middleware runs, with the response
headers (security headers included) exactly as the full stack produced them on the miss.

A commit in this process that changes content (anything beyond the everyday traffic of
submissions, sessions and counters, see `portal.db_changes`) empties the cache at once;
other workers see the change within `ttl` seconds. The app clock's minute is part of the
key, so an announcement scheduled for 09:30 appears at 09:30 even when nothing was written.

The last good copy of each page is also kept (as many pages as the cache holds): while
the database cannot be reached (`portal.middleware.outage` marks the request and answers
503), that copy is served stale instead, with an `X-Stale` header.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.db_changes import content_generation
from portal.i18n import LOCALE_COOKIE, negotiate
from portal.middleware.locale import read_cookie
from portal.middleware.outage import OUTAGE_FLAG
from portal.middleware.trusted_hosts import host_name
from portal.public.display_mode import is_elder

# Pages with no form and nothing personal on them. Citizen and staff pages never qualify.
CACHEABLE = re.compile(
    r"^/(|pledges|how-to-report|privacy|announcements(/\d+)?|replies(/\d+)?|ledger(/\d+)?"
    r"|statistics(\.csv)?"
    r"|feed\.atom|sitemap\.xml|robots\.txt)$"
)
MAX_BODY = 512 * 1024


@dataclass(frozen=True)
class CachedResponse:
    """One stored response: its start message (status and headers) and its body."""

    stored_at: float
    start: Message
    body: bytes


class PageStore:
    """A bounded LRU of responses that expire `ttl` seconds after they were stored."""

    def __init__(self, ttl: float, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self.entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self.last_good: OrderedDict[tuple, CachedResponse] = OrderedDict()

    def fresh(self, key: tuple) -> CachedResponse | None:
        """The stored response if it is younger than `ttl`."""
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry.stored_at >= self.ttl:
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple, start: Message, body: bytes) -> None:
        entry = CachedResponse(time.monotonic(), start, body)
        self.entries[key] = entry
        self.last_good[stale_key(key)] = entry
        self.last_good.move_to_end(stale_key(key))
        for kept in (self.entries, self.last_good):
            while len(kept) > self.size:
                kept.popitem(last=False)

    def stale(self, key: tuple) -> CachedResponse | None:
        """The last good copy of the page, however old (for database outages)."""
        return self.last_good.get(stale_key(key))


def stale_key(key: tuple) -> tuple:
    """A page's key without its minute and content generation."""
    return (key[0], key[1], *key[4:])


class PublicPageCache:
    """Serves repeated anonymous GETs of public pages from memory for `ttl` seconds."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], object], ttl: float = 5.0,
                 locales: tuple[str, ...] = ("zh_CN",), default_locale: str = "zh_CN",
                 hosts: frozenset[str] = frozenset(), size: int = 256) -> None:
        self.app = app
        self.clock = clock
        self.ttl = ttl
        self.locales = locales
        self.default_locale = default_locale
        self.hosts = hosts
        self.store = PageStore(ttl, size)

    def variant(self, headers: Headers) -> tuple:
        """What, besides the URL, makes two readers see different copies: the language
        and the elder-friendly display mode."""
        cookie = read_cookie(headers, LOCALE_COOKIE) if "cookie" in headers else None
        return (negotiate(cookie, headers.get("accept-language"), self.locales,
                          self.default_locale), is_elder(headers))

    def key(self, scope: Scope) -> tuple | None:
        """The cache key of a request, or None when it must not be cached."""
        if scope["type"] != "http" or scope["method"] != "GET" or self.ttl <= 0:
            return None
        if not CACHEABLE.match(scope["path"]):
            return None
        minute = self.clock().replace(second=0, microsecond=0)  # type: ignore[attr-defined]
        return (scope["path"], scope.get("query_string", b""), minute, content_generation(),
                *self.variant(Headers(scope=scope)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self.key(scope)
        if key is not None and self.hosts and host_name(
                Headers(scope=scope).get("host", "")) not in self.hosts:
            key = None  # another host: the trusted-hosts layer below answers 400
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.store.fresh(key)
        if entry is not None:
            await send(entry.start)
            await send({"type": "http.response.body", "body": entry.body})
            return
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        stale = self.store.stale(key)
        replaced = False

        async def capture(message: Message) -> None:
            nonlocal start, size, replaced
            if message["type"] == "http.response.start":
                start = message
                replaced = (stale is not None and message["status"] == 503
                            and bool(scope.get("state", {}).get(OUTAGE_FLAG)))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
            if not replaced:
                await send(message)

        await self.app(scope, receive, capture)
        if replaced and stale is not None:  # the database is away: stale beats an error
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
        self.store.put(key, start, b"".join(chunks))
