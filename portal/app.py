"""The application factory: everything is passed in, nothing happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

import anyio.to_thread
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from moderation.clock import Clock, system_clock
from moderation.ratelease import SharedLeases
from portal.csrf import CsrfMiddleware
from portal.db import make_engine
from portal.errors import EXCEPTION_HANDLERS, unavailable_page
from portal.intake.config import IntakeChores, build_intake_config, clean_intake_storage
from portal.middleware.admission import AdmissionGate, Line, LineCollector
from portal.middleware.locale import LocaleMiddleware
from portal.middleware.outage import OutageMiddleware
from portal.middleware.public_cache import PublicPageCache
from portal.middleware.security_headers import SecurityHeadersMiddleware
from portal.middleware.server_error import ServerErrorPageMiddleware
from portal.middleware.trusted_hosts import TrustedHostMiddleware
from portal.ops.health import Metrics, MetricsMiddleware
from portal.ops.health import routes as health_routes
from portal.ops.keys import verify_keys_at_start
from portal.ops.retention import daily_job
from portal.queue.header import template_globals as queue_template_globals
from portal.settings import Settings
from portal.slotted_pages import SlottedPages
from portal.static_files import HashedStatic
from portal.templating import make_templates
from portal.worker_cache import WorkerCache


class State(TypedDict):
    engine: Engine


def all_routes() -> list:
    """Every route of the portal, area by area."""
    from portal.accounts.routes import routes as account_routes
    from portal.admin.routes import routes as admin_routes
    from portal.components import routes as component_routes
    from portal.content.press_routes import routes as press_routes
    from portal.intake.routes import routes as intake_routes
    from portal.ledger.routes import routes as ledger_routes
    from portal.public.routes import routes as public_routes
    from portal.queue.routes import routes as queue_routes
    from portal.track.routes import routes as track_routes

    return hot_first([*public_routes, *intake_routes, *track_routes, *account_routes,
                      *press_routes, *admin_routes, *queue_routes, *ledger_routes,
                      *component_routes])


# The pages a press conference sends everyone to. The router tries routes in order, and
# each miss is a regex match; these go first (`tests/test_app_routes.py` checks that
# every path still reaches the route it reached before).
HOT_PATHS = frozenset({"/", "/submit", "/submit/tip", "/submit/suggestion",
                       "/submit/tip/confirm", "/submit/suggestion/confirm",
                       "/submit/receipt", "/track", "/verify", "/pledges", "/announcements"})


def hot_first(routes: list) -> list:
    """`routes` with those of HOT_PATHS first, each group in its own order."""
    return sorted(routes, key=lambda r: getattr(r, "path", None) not in HOT_PATHS)


POOL_OVERFLOW = 10


def app_engine(settings: Settings) -> Engine:
    """The engine a worker serves with, its pool sized by DATABASE_POOL_SIZE."""
    # Sync handlers run in up to 40 threads: a pool smaller than the usual concurrency
    # opens and closes a connection per request at a peak (a new PostgreSQL backend each
    # time), which cost more than the requests themselves (bench/post_load.py).
    return make_engine(settings.database_url, pool_size=settings.database_pool_size,
                       max_overflow=POOL_OVERFLOW)


def create_app(settings: Settings, *, engine: Engine | None = None,
               clock: Clock = system_clock) -> Starlette:
    """Build the portal. Tests pass their own engine and clock."""
    static = HashedStatic()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        own_engine = engine is None
        # Fewer threads than anyio's 40 leave the event loop the interpreter more often:
        # under a spike, cached pages then answer in milliseconds instead of queueing
        # behind forty renders, and the worker gets more done (bench/spike.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        active = engine or app_engine(settings)
        app.state.engine = active
        # Wrong keys stop the start here, naming the setting, before any page is served.
        verify_keys_at_start(settings, app.state.intake.keys, active, clock)
        # Leftovers of uploads cut short by a crash (older than the grace period) go now.
        clean_intake_storage(app.state.intake, active)
        retention = asyncio.create_task(daily_job(active, settings.upload_dir, clock))
        try:
            yield {"engine": active}
        finally:
            retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            if own_engine:
                active.dispose()

    metrics = Metrics(lambda: getattr(app.state, "engine", None))
    line = Line(settings.admission_limit)
    metrics.registry.register(LineCollector(line))
    middleware = [
        # First: a hit skips everything below; it replays the headers stored with the page.
        # While the database is away it serves the last good copy (marked by the outage
        # layer below), so cache hits are not counted in the metrics.
        Middleware(PublicPageCache, clock=clock, ttl=settings.public_cache_seconds,
                   locales=settings.locales, default_locale=settings.default_locale,
                   hosts=settings.trusted_hosts,
                   refresh_ahead=settings.public_cache_refresh_ahead),
        # Then every other request waits its turn (portal/middleware/admission.py). A hit
        # costs some 60 µs and never waits: the home page is what most citizens open first,
        # and in line, cached pages lost 7 to 11 % of their rate under wrk.
        *([Middleware(AdmissionGate, line=line)] if settings.admission_limit else []),
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(SecurityHeadersMiddleware, production=settings.production),
        Middleware(TrustedHostMiddleware, hosts=settings.trusted_hosts),
        Middleware(LocaleMiddleware, locales=settings.locales, default=settings.default_locale),
        Middleware(ServerErrorPageMiddleware, tracebacks=not settings.production),
        Middleware(CsrfMiddleware, base_url=settings.base_url,
                   secure_cookies=settings.production),
        Middleware(OutageMiddleware, render=unavailable_page),
    ]
    app = Starlette(
        routes=[*all_routes(), *health_routes(), Mount("/static", app=static, name="static")],
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    # Slash redirects are made by portal.errors.slash_redirect, relative, never from `Host`.
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.clock = clock
    app.state.intake = build_intake_config(settings)
    app.state.intake_keys = app.state.intake.keys  # IntakeKeys, derived once per app
    app.state.intake_chores = IntakeChores()
    app.state.rate_leases = SharedLeases()  # this worker's blocks of portal-wide hits
    app.state.static = static
    app.state.worker_cache = WorkerCache(settings.data_cache_seconds)
    app.state.slotted_pages = SlottedPages()
    app.state.templates = make_templates(static, settings)
    app.state.templates.env.globals.update(queue_template_globals())
    return app
