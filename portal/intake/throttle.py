"""Rate limits of the citizen routes: counters keyed by hashes, never by an address.

The client address is read from the connection (uvicorn puts a trusted proxy's
X-Forwarded-For there, and only then), hashed with a daily key by the domain's
`RateLimiter`, and forgotten. Counters live in the database so every worker sees them.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from moderation.ratelimit import (
    GLOBAL,
    DbStore,
    Decision,
    Limit,
    RateLimiter,
    purge_expired,
)
from portal.intake.config import intake_config


def client_address(request: Request) -> str:
    """The address rate limits count by (held in memory for this request only)."""
    return request.client.host if request.client else "unknown"


def _hit(request: Request, limits: tuple[tuple[Limit, str], ...]) -> Decision | None:
    config = intake_config(request)
    with Session(request.app.state.engine) as session:
        # Counters must not outlive their window (first, before any counter row is locked).
        purge_expired(session, request.app.state.clock)
        limiter = RateLimiter(config.keys, DbStore(session), request.app.state.clock)
        refused = None
        for limit, who in limits:
            decision = limiter.hit(limit, who)
            if not decision.allowed:
                refused = decision
                break
        session.commit()
    return refused


async def over_limit(request: Request, stage: str) -> Decision | None:
    """Count one hit of `stage` ("form", "send" or "verify"); the refusal, if any."""
    rates = intake_config(request).rates
    address = client_address(request)
    limits: tuple[tuple[Limit, str], ...] = {
        "form": ((rates.form_client, address), (rates.form_global, GLOBAL)),
        "send": ((rates.send_client, address), (rates.send_global, GLOBAL)),
        "verify": ((rates.verify_client, address),),
    }[stage]
    return await run_in_threadpool(_hit, request, limits)
