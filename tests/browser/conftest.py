"""Real headless Chromium (Debian's) driven by Playwright against a live uvicorn server."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from portal.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("MINSHENG_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"browser tests required but no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_server(settings, engine, clock) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The portal served by uvicorn on a free loopback port, in a thread."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = create_app(dataclasses.replace(settings, base_url=url), engine=engine,
                         clock=clock)
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        )
        started = threading.Event()
        original_startup = server.startup

        async def startup(sockets=None):  # type: ignore[no-untyped-def]
            await original_startup(sockets=sockets)
            started.set()

        server.startup = startup  # type: ignore[method-assign]
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            if not started.wait(timeout=20):
                raise RuntimeError("live server did not start")
            yield LiveServer(url=url, app=app)
        finally:
            server.should_exit = True
            thread.join(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) and page, JavaScript on."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh browser context with JavaScript turned off."""
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run axe-core on the page; return its violations (WCAG 2.x A/AA rules)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                              "wcag22aa", "best-practice"]},
        "resultTypes": ["violations"],
    })
    return results.response["violations"]
