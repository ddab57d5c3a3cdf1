"""The page cache renders each page once at a time, and ahead of its expiry, so that
readers in a spike never queue for a render (see `portal.middleware.public_cache`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from anyio.from_thread import start_blocking_portal
from starlette.types import Message, Receive, Scope, Send

from portal.db_changes import mark_changed
from portal.middleware.admission import CLIENT_EXTENSION
from portal.middleware.public_cache import PublicPageCache

TTL = 5.0


class Page:
    """An app whose answer the test controls: each call takes a number, waits for the
    test's `release` (when held) and answers with the current body."""

    def __init__(self) -> None:
        self.calls = 0
        self.body = b"first"
        self.held = False
        self.release = asyncio.Event()
        self.headers: list[tuple[bytes, bytes]] = [(b"x-security", b"on")]
        self.fail = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        assert scope["state"]["engine"] == "the engine", "the lifespan's state reaches the app"
        scope["state"]["noted"] = True
        if self.held:
            await self.release.wait()
        if self.fail:
            raise RuntimeError("the database went away mid-render")
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


class Clocks:
    def __init__(self) -> None:
        self.monotonic = 100.0
        self.wall = dt.datetime(2026, 11, 28, 9, 29, 30, tzinfo=dt.UTC)


def cache_over(page: Page, clocks: Clocks) -> PublicPageCache:
    return PublicPageCache(page, clock=lambda: clocks.wall, ttl=TTL,
                           now=lambda: clocks.monotonic)


async def get(cache: PublicPageCache, path: str = "/",
              extensions: dict[str, object] | None = None) -> tuple[bytes, dict[bytes, bytes]]:
    """One reader's GET through the cache: (body, headers)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "headers": [(b"host", b"testserver")], "state": {"engine": "the engine"},
             "extensions": extensions or {}}
    await cache(scope, receive, send)
    return (b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
            dict(sent[0]["headers"]))


def run(test: Callable[[], Awaitable[None]]) -> None:
    # On a loop in a thread of its own: a browser test's loop may be running in this one.
    with start_blocking_portal() as portal:
        portal.call(test)


async def arriving(cache: PublicPageCache) -> asyncio.Task[tuple[bytes, dict[bytes, bytes]]]:
    """A reader whose GET has started and got as far as it can without the app."""
    reader = asyncio.create_task(get(cache))
    await asyncio.sleep(0)
    return reader


async def settle(cache: PublicPageCache) -> None:
    """Let every render the cache started in the background finish."""
    while cache.background:
        await asyncio.gather(*cache.background)


def test_readers_arriving_during_a_render_share_it() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        page.held = True
        readers = [asyncio.create_task(get(cache)) for _ in range(20)]
        await asyncio.sleep(0)
        page.release.set()
        answers = await asyncio.gather(*readers)
        assert page.calls == 1
        assert {body for body, _ in answers} == {b"first"}
        assert {headers[b"x-security"] for _, headers in answers} == {b"on"}

    run(scenario)


def test_a_copy_past_half_its_life_is_rendered_again_while_it_is_served() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        await get(cache)
        page.body = b"second"
        clocks.monotonic += TTL / 2 - 0.1
        assert (await get(cache))[0] == b"first"
        await settle(cache)
        assert page.calls == 1, "a young copy is not rendered again"

        clocks.monotonic += 0.2
        page.held = True
        assert (await get(cache))[0] == b"first", "the reader does not wait for the render"
        assert (await get(cache))[0] == b"first"
        await asyncio.sleep(0)
        assert page.calls == 2, "one render in the background, not one per reader"
        page.release.set()
        await settle(cache)
        clocks.monotonic += TTL - 0.1  # the old copy would have expired by now
        assert (await get(cache))[0] == b"second"
        assert page.calls == 2

    run(scenario)


def test_a_copy_is_never_served_past_its_life_while_its_render_runs() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        await get(cache)
        page.body, page.held = b"second", True
        clocks.monotonic += TTL / 2
        await get(cache)  # starts the render ahead, which is slow
        clocks.monotonic += TTL / 2
        late = await arriving(cache)
        assert not late.done(), "an expired copy is not served: the reader waits"
        page.release.set()
        assert (await late)[0] == b"second"
        assert page.calls == 2

    run(scenario)


def test_at_a_new_minute_readers_get_the_last_copy_while_one_reader_renders() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        await get(cache)
        clocks.wall += dt.timedelta(seconds=31)  # 09:30:01: a scheduled item is due
        clocks.monotonic += 1
        page.body, page.held = b"with the 09:30 announcement", True
        first = await arriving(cache)
        assert (await get(cache))[0] == b"first", "no wait behind the minute's render"
        assert not first.done()
        page.release.set()
        assert (await first)[0] == b"with the 09:30 announcement"
        assert (await get(cache))[0] == b"with the 09:30 announcement"
        assert page.calls == 2

    run(scenario)


def test_after_a_commit_readers_wait_for_the_render_that_shows_it() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        await get(cache)
        mark_changed(["campaign"])
        page.body, page.held = b"edited", True
        first = await arriving(cache)
        second = await arriving(cache)
        assert not second.done(), "the copy from before the commit is not served"
        page.release.set()
        assert [body for body, _ in await asyncio.gather(first, second)] == [b"edited"] * 2
        assert page.calls == 2

    run(scenario)


def test_readers_render_themselves_when_the_shared_answer_cannot_be_kept() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        page.held = True
        page.headers = [(b"set-cookie", b"personal=1")]
        first = await arriving(cache)
        second = await arriving(cache)
        page.release.set()
        await asyncio.gather(first, second)
        assert page.calls == 2, "a personal answer is not handed to another reader"

    run(scenario)


def test_a_failed_render_ahead_keeps_the_copy_and_is_tried_again(
        caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        await get(cache)
        clocks.monotonic += TTL / 2
        page.fail = True
        assert (await get(cache))[0] == b"first"
        await settle(cache)
        assert "refreshing a cached page failed" in caplog.text
        page.fail, page.body = False, b"second"
        assert (await get(cache))[0] == b"first"
        await settle(cache)
        assert (await get(cache))[0] == b"second"
        assert page.calls == 3

    run(scenario)


def test_serving_settings_render_ahead(settings) -> None:  # type: ignore[no-untyped-def]
    from portal.settings import Settings

    assert Settings.from_env({"SECRET_KEY": "k" * 40}).public_cache_refresh_ahead
    assert not settings.public_cache_refresh_ahead, "tests turn it on where it is tested"


def test_the_portal_renders_a_page_ahead_with_its_whole_stack(  # type: ignore[no-untyped-def]
        settings, engine, clock, db, caplog) -> None:
    import dataclasses

    from starlette.testclient import TestClient

    from portal.app import create_app
    from portal.demo import load_demo
    from tests.conftest import BASE_URL

    load_demo(db, clock=clock)
    db.commit()
    # No data cache: the render reads the database through the lifespan's engine.
    app = create_app(dataclasses.replace(settings, public_cache_refresh_ahead=True,
                                         data_cache_seconds=0), engine=engine, clock=clock)
    with TestClient(app, base_url=BASE_URL) as client:
        first = client.get("/")
        cache = app.middleware_stack
        while not isinstance(cache, PublicPageCache):
            cache = cache.app  # type: ignore[union-attr]
        [stored] = cache.store.entries.values()
        later = stored.stored_at + TTL / 2
        cache.store.now = lambda: later  # the copy is past half its life
        second = client.get("/")
        assert client.portal is not None
        client.portal.call(settle, cache)
        assert "refreshing a cached page failed" not in caplog.text
        [renewed] = cache.store.entries.values()
        assert renewed.stored_at == later, "the page was rendered again through the stack"
        third = client.get("/")
        assert not cache.background, "a young copy starts no render"
    assert first.text == second.text == third.text
    assert renewed.start["status"] == 200
    assert dict(renewed.start["headers"])[b"content-security-policy"] == (
        first.headers["content-security-policy"].encode())


def test_while_the_database_is_away_readers_share_the_last_good_copy() -> None:
    """The readers behind a render that met an outage get the stale copy with it, instead
    of waiting for it and then for an outage of their own."""
    from portal.middleware.outage import OUTAGE_FLAG

    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        cache = cache_over(page, clocks)
        await get(cache)
        down = Page()
        down.held = True

        async def outage(scope: Scope, receive: Receive, send: Send) -> None:
            down.calls += 1
            await down.release.wait()
            scope["state"][OUTAGE_FLAG] = True
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b"unavailable"})

        cache.app = outage
        clocks.monotonic += TTL  # the copy expired
        first = await arriving(cache)
        second = await arriving(cache)
        down.release.set()
        answers = await asyncio.gather(first, second)
        assert down.calls == 1
        assert [body for body, _ in answers] == [b"first", b"first"]
        assert all(headers[b"x-stale"] == b"database unavailable" for _, headers in answers)

    run(scenario)


def test_a_render_in_the_background_does_not_carry_the_readers_connection() -> None:
    async def scenario() -> None:
        page, clocks = Page(), Clocks()
        seen: list[object] = []

        async def recording(scope: Scope, receive: Receive, send: Send) -> None:
            seen.append(scope["extensions"].get(CLIENT_EXTENSION))
            await page(scope, receive, send)

        cache = PublicPageCache(recording, clock=lambda: clocks.wall, ttl=TTL,
                                now=lambda: clocks.monotonic)
        reader = {CLIENT_EXTENSION: "the reader's connection"}
        await get(cache, extensions=reader)
        clocks.monotonic += TTL / 2 + 0.1
        await get(cache, extensions=reader)
        await settle(cache)
        assert seen == ["the reader's connection", None]

    run(scenario)
