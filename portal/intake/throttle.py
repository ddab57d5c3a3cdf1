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


def purge_if_due(request: Request, session: Session) -> bool:
    """Delete expired counters if this worker has not done so for a few seconds; whether
    it did.

    Counters must not outlive their window by more than that: call this first, before any
    counter row is locked.
    """
    state = request.app.state
    if state.intake_chores.rate_counters.due(state.clock()):  # the app's clock: tests move it
        purge_expired(session, state.clock)
        return True
    return False


def count_hits(request: Request, session: Session, stage: str, *,
               commit: bool = True) -> Decision | None:
    """Count one hit of `stage` ("form", "send" or "verify") in `session`, and commit;
    the refusal, if any. The session may have read before and may go on to other work
    after.

    With `commit=False`, an allowed hit that wrote no portal-wide row (nearly all of
    them: those rows are counted in blocks) is left in the session's transaction, to be
    committed with the caller's own work: a transaction fewer per citizen. The caller
    must then commit on every path, or count again after a rollback.
    """
    config = intake_config(request)
    rates = config.rates
    address = client_address(request)
    limits: tuple[tuple[Limit, str], ...] = {
        "form": ((rates.form_client, address), (rates.form_global, GLOBAL)),
        "send": ((rates.send_client, address), (rates.send_global, GLOBAL)),
        "verify": ((rates.verify_client, address),),
    }[stage]
    purged = purge_if_due(request, session)
    store = DbStore(session, leases=request.app.state.rate_leases)
    limiter = RateLimiter(config.keys, store, request.app.state.clock)
    refused = limiter.hit_in_turn(limits)
    if commit or purged or refused is not None or store.wrote_shared_row:
        session.commit()
    return refused


def hit_limits(request: Request, stage: str) -> Decision | None:
    """`count_hits` in a session of its own."""
    with Session(request.app.state.engine) as session:
        return count_hits(request, session, stage)


async def over_limit(request: Request, stage: str) -> Decision | None:
    """`hit_limits` from the event loop."""
    return await run_in_threadpool(hit_limits, request, stage)
