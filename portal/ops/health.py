"""Health and metrics for load balancers and monitoring.

- `/healthz`: the process answers (no database; a load balancer's liveness probe).
- `/readyz`: ready to serve: database reachable, schema at head, upload folder writable,
  keys open the data. 503 with the failing checks otherwise.
- `/metrics`: Prometheus text format, only for addresses in METRICS_ALLOW (404 for anyone
  else): requests and latency per route *template* (never a path with a reference or a
  query), and queue figures counted at scrape time. Nothing personal. Each worker
  process has its own counters: scrape each one, or use one worker per port.
"""

from __future__ import annotations

import ipaddress
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moderation.intake.models import Submission
from moderation.keycheck import MASTER, KeyCheck, opens_canary
from portal.routing import PUBLIC, route

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's own registry (one per app, so tests stay independent)."""

    def __init__(self, engine_of: Callable[[], Engine | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("minsheng_http_requests", "HTTP requests answered",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("minsheng_http_request_seconds", "Time to answer",
                                 ["route", "method"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.registry.register(QueueCollector(engine_of))


class QueueCollector(Collector):
    """Submissions per state, counted when scraped (anonymous totals only)."""

    def __init__(self, engine_of: Callable[[], Engine | None]) -> None:
        self.engine_of = engine_of

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("minsheng_submissions", "Submissions by state",
                                   labels=["state"])
        engine = self.engine_of()
        if engine is not None:
            try:
                with Session(engine) as session:
                    rows = session.exec(select(Submission.state, func.count())  # type: ignore[call-overload]
                                        .group_by(Submission.state)).all()
                for state, count in rows:
                    family.add_metric([str(getattr(state, "value", state))], count)
            except Exception:  # noqa: S110 - a scrape during an outage shows no queue
                pass
        yield family


class MetricsMiddleware:
    """Counts and times every HTTP request by route template, method and status."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            matched = scope.get("route")
            template = getattr(matched, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in ("GET", "HEAD", "POST") else "other"
            counter, timer = self._series(template, method, status)
            counter.inc()
            timer.observe(time.perf_counter() - started)

    def _series(self, template: str, method: str, status: int) -> tuple[Any, Any]:
        """The request counter and latency histogram of one route, method and status.

        Kept per key: `labels()` validates and locks on every call. Keys are bounded
        (route templates, not paths; four methods; the statuses the portal answers)."""
        key = (template, method, status)
        series = self._children.get(key)
        if series is None:
            series = (self.metrics.requests.labels(template, method, str(status)),
                      self.metrics.latency.labels(template, method))
            self._children[key] = series
        return series


def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})


def readiness(engine: Engine, upload_dir: object, keys: object) -> dict[str, str]:
    """Each readiness check: "ok" or a short reason (no personal data)."""
    checks: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        head = _schema_head(str(engine.url))
        checks["database"] = "ok"
        checks["schema"] = "ok" if current == head else f"at {current}, head is {head}"
    except Exception as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
        checks["schema"] = "unknown"
    try:
        with tempfile.NamedTemporaryFile(dir=str(upload_dir), prefix="tmp-ready-"):
            pass
        checks["uploads"] = "ok"
    except OSError as exc:
        checks["uploads"] = f"not writable ({type(exc).__name__})"
    checks["keys"] = _keys_check(engine, keys) if checks["database"] == "ok" else "unknown"
    return checks


def _schema_head(database_url: str) -> str | None:
    """The newest migration. Alembic is imported here, on the first readiness check, not
    with the app: with Mako it is 11 MB of memory a worker otherwise never uses."""
    from alembic.script import ScriptDirectory

    from portal.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def _keys_check(engine: Engine, keys: object) -> str:
    with Session(engine) as session:
        row = session.get(KeyCheck, MASTER)
    if row is None:
        return "no canary yet"
    masters = [keys.master, keys.previous_master]  # type: ignore[attr-defined]
    return "ok" if any(m and opens_canary(m, row.sealed) for m in masters) else "wrong key"


async def readyz(request: Request) -> Response:
    """Readiness for a load balancer: 200 when every check passes, else 503."""
    from starlette.concurrency import run_in_threadpool

    state = request.app.state
    checks = await run_in_threadpool(readiness, state.engine, state.settings.upload_dir,
                                     state.intake.keys)
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503,
                        headers={"Cache-Control": "no-store"})


def allowed(client_host: str | None, allow: Iterable[str]) -> bool:
    """True if the client address is in one of the allowed addresses or networks."""
    if not client_host:
        return False
    try:
        address = ipaddress.ip_address(client_host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in allow)


def metrics(request: Request) -> Response:
    """Prometheus text format, for allowed addresses only (404 for others: not advertised)."""
    client = request.client.host if request.client else None
    if not allowed(client, request.app.state.settings.metrics_allow):
        raise HTTPException(status_code=404)
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def routes() -> Iterator:
    yield route("/healthz", healthz, roles=PUBLIC, name="healthz")
    yield route("/readyz", readyz, roles=PUBLIC, name="readyz")
    # No staff role: a monitoring system has none. Limited by address (METRICS_ALLOW).
    yield route("/metrics", metrics, roles=PUBLIC, name="metrics")
