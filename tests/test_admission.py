"""The admission line (`portal.middleware.admission`): a worker runs a few requests at once,
the others wait in order of arrival, a citizen's action ahead of page reads, and a request
waiting for its client gives its place back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from portal.middleware.admission import (
    CLIENT_EXTENSION,
    AdmissionGate,
    Line,
    LineCollector,
    under_way,
)


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run `test` on a loop of its own, in a thread: browser tests in the same process
    leave a loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, asyncio.wait_for(test(), timeout=30)).result()


async def settle() -> None:
    """Let every task that can run, run (no clock involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


class FakeClient:
    """What the serving protocol would say about a request's client."""

    def __init__(self, *, body_ready: bool = True, gone: bool = False) -> None:
        self.ready = body_ready
        self.left = gone

    def body_ready(self) -> bool:
        return self.ready

    def send_ready(self) -> bool:
        return True

    def gone(self) -> bool:
        return self.left


def scope(method: str, path: str, client: FakeClient | None = None) -> dict[str, Any]:
    extensions = {CLIENT_EXTENSION: client} if client else {}
    return {"type": "http", "method": method, "path": path, "extensions": extensions}


class Recorder:
    """An app that notes which requests started and holds each until told to finish."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finish: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        name = f"{scope['method']} {scope['path']}"
        self.started.append(name)
        if scope["method"] == "POST":
            while (await receive()).get("more_body"):
                pass
        await self.finish.setdefault(name, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def release(self, name: str) -> None:
        self.finish.setdefault(name, asyncio.Event()).set()


async def no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def ignore(_message: dict[str, Any]) -> None:
    return None


def test_waiters_are_served_in_order_of_arrival_urgent_ones_first() -> None:
    async def scenario() -> None:
        line, order = Line(1), []
        await line.enter(urgent=False)

        async def wait(name: str, urgent: bool) -> None:
            await line.enter(urgent)
            order.append(name)
            line.leave()

        tasks = [asyncio.create_task(wait(name, urgent)) for name, urgent in
                 [("read 1", False), ("read 2", False), ("send 1", True), ("send 2", True)]]
        await settle()
        assert order == []
        assert line.waiting() == (2, 2)
        line.leave()
        await asyncio.gather(*tasks)
        assert order == ["send 1", "send 2", "read 1", "read 2"]
        assert line.free == 1
        assert line.waiting() == (0, 0)

    run(scenario)


def test_a_cancelled_waiter_leaves_the_line_and_a_place_handed_to_it_passes_on() -> None:
    async def scenario() -> None:
        line = Line(1)
        await line.enter(urgent=False)
        first = asyncio.create_task(line.enter(urgent=False))
        second = asyncio.create_task(line.enter(urgent=False))
        await settle()
        first.cancel()  # cancelled while waiting: it leaves the line
        await settle()
        assert line.waiting() == (0, 1)
        third = asyncio.create_task(line.enter(urgent=False))
        await settle()
        line.leave()  # the place goes to `second`...
        second.cancel()  # ...which is cancelled before it runs: `third` gets it
        await settle()
        assert third.done()
        assert not third.cancelled()
        line.leave()
        assert line.free == 1
        assert line.waiting() == (0, 0)

    run(scenario)


@pytest.mark.parametrize(("method", "path", "first"), [
    ("POST", "/submit/tip", True), ("POST", "/track", True), ("GET", "/submit/receipt", True),
    ("GET", "/track/case", True), ("GET", "/staff/queue", True), ("GET", "/", False),
    ("GET", "/submit/tip", False), ("GET", "/track", False), ("GET", "/pledges", False)])
def test_actions_and_the_pages_they_lead_to_go_in_the_first_line(method: str, path: str,
                                                                  first: bool) -> None:
    assert under_way(scope(method, path)) is first


def test_a_post_overtakes_page_reads_waiting_for_a_place() -> None:
    async def scenario() -> None:
        app = Recorder()
        gate = AdmissionGate(app, line=Line(1))
        first = asyncio.create_task(gate(scope("GET", "/"), no_body, ignore))
        await settle()
        later = [asyncio.create_task(gate(scope(method, path, FakeClient()), no_body, ignore))
                 for method, path in [("GET", "/pledges"), ("POST", "/submit/tip"),
                                      ("GET", "/submit/receipt")]]
        await settle()
        assert app.started == ["GET /"]  # one place: the others wait
        app.release("GET /")
        await settle()
        assert app.started == ["GET /", "POST /submit/tip"]
        app.release("POST /submit/tip")
        await settle()
        assert app.started[-1] == "GET /submit/receipt"  # the receipt of a Send, then reads
        app.release("GET /submit/receipt")
        app.release("GET /pledges")
        await asyncio.gather(first, *later)
        assert app.started[-1] == "GET /pledges"

    run(scenario)


def test_a_request_waiting_for_its_body_gives_its_place_to_the_next() -> None:
    async def scenario() -> None:
        app = Recorder()
        gate = AdmissionGate(app, line=Line(1))
        body = asyncio.Queue()  # the upload's parts, as a slow client sends them

        async def slow_body() -> dict[str, Any]:
            return await body.get()

        client = FakeClient(body_ready=False)
        upload = asyncio.create_task(gate(scope("POST", "/submit/tip", client), slow_body,
                                          ignore))
        await settle()
        reader = asyncio.create_task(gate(scope("GET", "/"), no_body, ignore))
        await settle()
        assert app.started == ["POST /submit/tip", "GET /"]  # the reader did not wait
        body.put_nowait({"type": "http.request", "body": b"x", "more_body": True})
        await settle()  # the upload has its part and wants its place back: taken
        client.ready = True
        body.put_nowait({"type": "http.request", "body": b"", "more_body": False})
        app.release("GET /")
        await reader
        app.release("POST /submit/tip")
        await upload
        assert gate.line.free == 1

    run(scenario)


def test_a_request_whose_body_has_arrived_keeps_its_place() -> None:
    async def scenario() -> None:
        app = Recorder()
        gate = AdmissionGate(app, line=Line(1))
        form = asyncio.create_task(gate(scope("POST", "/submit/tip", FakeClient()), no_body,
                                        ignore))
        await settle()
        reader = asyncio.create_task(gate(scope("GET", "/"), no_body, ignore))
        await settle()
        assert app.started == ["POST /submit/tip"]
        app.release("POST /submit/tip")
        app.release("GET /")
        await asyncio.gather(form, reader)

    run(scenario)


def test_a_request_whose_client_left_while_waiting_is_not_run() -> None:
    async def scenario() -> None:
        app = Recorder()
        gate = AdmissionGate(app, line=Line(1))
        first = asyncio.create_task(gate(scope("GET", "/"), no_body, ignore))
        await settle()
        left = asyncio.create_task(gate(scope("GET", "/pledges", FakeClient(gone=True)),
                                        no_body, ignore))
        await settle()
        app.release("GET /")
        await asyncio.gather(first, left)
        assert app.started == ["GET /"]
        assert gate.line.free == 1

    run(scenario)


def test_a_receive_left_running_by_an_app_that_returned_takes_no_place() -> None:
    async def scenario() -> None:
        body: asyncio.Queue = asyncio.Queue()
        left_behind: list[asyncio.Task] = []

        async def hasty(scope: Any, receive: Any, send: Any) -> None:
            left_behind.append(asyncio.create_task(receive()))
            await settle()  # the receive now waits for the client, out of the line
            await send({"type": "http.response.start", "status": 413, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        gate = AdmissionGate(hasty, line=Line(1))
        await gate(scope("POST", "/submit/tip", FakeClient(body_ready=False)), body.get, ignore)
        body.put_nowait({"type": "http.request", "body": b"x", "more_body": True})
        await asyncio.gather(*left_behind)
        assert gate.line.free == 1

    run(scenario)


def test_an_app_that_fails_gives_its_place_back() -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async def scenario() -> None:
        gate = AdmissionGate(failing, line=Line(1))
        with pytest.raises(RuntimeError):
            await gate(scope("GET", "/"), no_body, ignore)
        assert gate.line.free == 1

    run(scenario)


def test_the_line_is_reported_to_metrics() -> None:
    async def scenario() -> None:
        line = Line(2)
        await line.enter(urgent=False)
        await line.enter(urgent=False)
        waiter = asyncio.create_task(line.enter(urgent=True))
        await settle()
        families = {f.name: f for f in LineCollector(line).collect()}
        assert families["minsheng_requests_running"].samples[0].value == 2
        waiting = {s.labels["line"]: s.value for s in families["minsheng_requests_waiting"].samples}
        assert waiting == {"under way": 1, "new": 0}
        line.leave()
        await waiter

    run(scenario)
