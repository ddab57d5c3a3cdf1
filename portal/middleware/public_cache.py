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

**One render at a time per page, none of them in a reader's way.** After a press
conference a worker gets hundreds of readers of `/` a second while its threads are busy
with submissions; a page rendered again by every reader who came while it was being
rendered took each of them a thread, and every five seconds they waited in line behind
the submissions (cached pages p99 7.6 s in `bench/spike.py`, against 0.5 s for pages
that need no thread at all). So:

- *Refresh ahead*: a reader who gets a copy past half its `ttl` starts one render in the
  background; the copy is still served until it expires, so a change made in another
  worker is still seen within `ttl`, and the page never expires while it is read.
- *One render per page*: readers who come while a page is being rendered share that
  render. If only the clock's minute rolled over (same content, copy younger than `ttl`)
  they get the last good copy at once; after a commit in this process they wait for the
  render, which started after it. The reader who starts a render always waits for it,
  so one reader's next request after a change or at the scheduled minute sees it.
"""

from __future__ import annotations

import asyncio
import logging
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

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedResponse:
    """One stored response: its start message (status and headers) and its body."""

    stored_at: float
    start: Message
    body: bytes
    key: tuple


class PageStore:
    """A bounded LRU of responses that expire `ttl` seconds after they were stored."""

    def __init__(self, ttl: float, size: int = 256,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.now = now
        self.entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self.last_good: OrderedDict[tuple, CachedResponse] = OrderedDict()

    def fresh(self, key: tuple) -> CachedResponse | None:
        """The stored response if it is younger than `ttl`."""
        entry = self.entries.get(key)
        if entry is None or self.age(entry) >= self.ttl:
            return None
        self.entries.move_to_end(key)
        return entry

    def age(self, entry: CachedResponse) -> float:
        """Seconds since `entry` was stored."""
        return self.now() - entry.stored_at

    def put(self, key: tuple, start: Message, body: bytes) -> CachedResponse:
        entry = CachedResponse(self.now(), start, body, key)
        self.entries[key] = entry
        self.last_good[stale_key(key)] = entry
        self.last_good.move_to_end(stale_key(key))
        for kept in (self.entries, self.last_good):
            while len(kept) > self.size:
                kept.popitem(last=False)
        return entry

    def stale(self, key: tuple) -> CachedResponse | None:
        """The last good copy of the page, however old (for database outages)."""
        return self.last_good.get(stale_key(key))

    def last_minute(self, key: tuple) -> CachedResponse | None:
        """The copy of the same content made within `ttl` in an earlier clock minute: good
        enough while the page is rendered for the new minute."""
        entry = self.stale(key)
        if entry is None or entry.key[3] != key[3] or self.age(entry) >= self.ttl:
            return None
        return entry


def stale_key(key: tuple) -> tuple:
    """A page's key without its minute and content generation."""
    return (key[0], key[1], *key[4:])


class PublicPageCache:
    """Serves repeated anonymous GETs of public pages from memory for `ttl` seconds."""

    def __init__(self, app: ASGIApp, *, clock: Callable[[], object], ttl: float = 5.0,
                 locales: tuple[str, ...] = ("zh_CN",), default_locale: str = "zh_CN",
                 hosts: frozenset[str] = frozenset(), size: int = 256,
                 refresh_ahead: bool = True, now: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.clock = clock
        self.ttl = ttl
        self.locales = locales
        self.default_locale = default_locale
        self.hosts = hosts
        self.refresh_ahead = refresh_ahead
        self.store = PageStore(ttl, size, now)
        # key -> the render under way, resolved with its stored copy (None: not stored)
        self.rendering: dict[tuple, asyncio.Future[CachedResponse | None]] = {}
        self.background: set[asyncio.Task[None]] = set()

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
            await replay(entry, send)
            if (self.refresh_ahead and self.store.age(entry) >= self.ttl / 2
                    and key not in self.rendering):
                self.render_in_background(scope, key)
            return
        under_way = self.rendering.get(key)
        if under_way is not None:
            entry = self.store.last_minute(key) or await asyncio.shield(under_way)
            if entry is not None:
                await replay(entry, send)
                return
        await self.render(scope, receive, send, key, self.claim(key))

    async def render(self, scope: Scope, receive: Receive, send: Send, key: tuple,
                     under_way: asyncio.Future[CachedResponse | None]) -> None:
        """Run the app for `key`, answer through `send` and store a cacheable answer;
        readers of the same page meanwhile share this render (`under_way`, from `claim`)."""
        stored = None
        try:
            stored = await self.run_and_store(scope, receive, send, key)
        finally:
            if self.rendering.get(key) is under_way:
                del self.rendering[key]
            under_way.set_result(stored)

    def claim(self, key: tuple) -> asyncio.Future[CachedResponse | None]:
        """A new render of `key`, registered for other readers to share unless one is
        registered already."""
        under_way: asyncio.Future[CachedResponse | None] = (
            asyncio.get_running_loop().create_future())
        self.rendering.setdefault(key, under_way)
        return under_way

    def render_in_background(self, scope: Scope, key: tuple) -> None:
        """Render `key` again for no reader in particular, with this request's headers."""
        # The lifespan's state (the engine) comes along; what the render notes in it stays
        # out of the reader's request. The reader's connection does not: the admission
        # line must not read this render's waits from a client it does not answer.
        copy = {**scope, "state": dict(scope.get("state", {})), "extensions": {}}
        requested = False

        async def receive() -> Message:
            nonlocal requested
            if requested:
                return {"type": "http.disconnect"}
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(message: Message) -> None:
            pass

        under_way = self.claim(key)  # now, so that the next reader starts no other

        async def refresh() -> None:
            try:
                await self.render(copy, receive, discard, key, under_way)
            except Exception:  # the copy in hand is served on; the next reader tries again
                log.exception("refreshing a cached page failed")

        task = asyncio.get_running_loop().create_task(refresh())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def run_and_store(self, scope: Scope, receive: Receive, send: Send,
                            key: tuple) -> CachedResponse | None:
        """Run the app, answering through `send`; what readers who shared the render may
        be given: the stored copy, the last good copy while the database is away (it
        answers instead of a 503), or None."""
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
            marked = CachedResponse(stale.stored_at, {**stale.start, "headers": [
                *stale.start.get("headers", []), (b"x-stale", b"database unavailable")]},
                stale.body, stale.key)
            await replay(marked, send)
            return marked
        if start is None or start["status"] != 200 or size > MAX_BODY:
            return None
        if any(name.lower() == b"set-cookie" for name, _ in start.get("headers", [])):
            return None
        if scope.get("state", {}).get("csrf_cookie_new"):
            return None  # the page issued a form token: it is personal
        return self.store.put(key, start, b"".join(chunks))


async def replay(entry: CachedResponse, send: Send) -> None:
    """Answer with a stored copy."""
    await send(entry.start)
    await send({"type": "http.response.body", "body": entry.body})
