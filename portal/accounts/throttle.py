"""Sign-in throttling that strangers cannot turn against staff, on the one rate limiter.

Failures count against the account and the client address, but only for browsers the
account has not signed in from: a guesser elsewhere can block those, never the browser
its owner uses (see `devices`), which has a failure counter of its own. Counters are
keyed hashes (`moderation.ratelimit`): no account name or address is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select
from starlette.requests import Request

from moderation.ratelimit import (
    DbStore,
    Decision,
    Limit,
    RateCounter,
    RateLimiter,
    lift,
    over_limit,
    purge_expired,
)
from portal.accounts.devices import Device
from portal.accounts.models import StaffUser

ACCOUNT = "login-account"  # one account, from browsers it has not signed in from
CLIENT = "login-client"  # one client address, whatever the account
DEVICE = "login-device"  # one browser the account signed in from before
SCOPES = {ACCOUNT, CLIENT, DEVICE}


def client_address(request: Request) -> str:
    """The client's address as the server saw it (proxies are resolved by uvicorn)."""
    return request.client.host if request.client else "unknown"


def account_name(username: str) -> str:
    """The subject of an account's counter (case and surrounding spaces ignored)."""
    return username.strip().casefold()


def limits(settings: object) -> dict[str, Limit]:
    """The sign-in limits: LOGIN_MAX_FAILURES per LOGIN_WINDOW_MINUTES for each scope."""
    window = timedelta(minutes=settings.login_window_minutes)  # type: ignore[attr-defined]
    most = settings.login_max_failures  # type: ignore[attr-defined]
    return {scope: Limit(scope, most, window) for scope in (ACCOUNT, CLIENT, DEVICE)}


@dataclass(frozen=True)
class Attempt:
    """The counters one sign-in attempt is checked and counted against."""

    subjects: tuple[tuple[Limit, str], ...]

    @classmethod
    def of(cls, request: Request, username: str, device: Device | None) -> Attempt:
        rules = limits(request.app.state.settings)
        if device is not None:
            return cls(((rules[DEVICE], f"{device.user_id}:{device.nonce}"),))
        return cls(((rules[ACCOUNT], account_name(username)),
                    (rules[CLIENT], client_address(request))))


def _limiter(request: Request, db: Session) -> RateLimiter:
    return RateLimiter(request.app.state.intake_keys, DbStore(db), request.app.state.clock)


def retry_after(request: Request, db: Session, attempt: Attempt) -> int | None:
    """Seconds to wait when one of the attempt's counters is full, else None."""
    purge_expired(db, request.app.state.clock)
    limiter = _limiter(request, db)
    refused: list[Decision] = [decision for limit, subject in attempt.subjects
                               if not (decision := limiter.hit(limit, subject, count=False))
                               .allowed]
    return max(d.retry_after for d in refused) if refused else None


def record_failure(request: Request, db: Session, attempt: Attempt) -> None:
    """Count one failure on each counter. Commits on its own: a failure must count even
    though the attempt changes nothing else."""
    limiter = _limiter(request, db)
    for limit, subject in attempt.subjects:
        limiter.hit(limit, subject)
    db.commit()


def clear(request: Request, db: Session, attempt: Attempt) -> None:
    """After a good sign-in: forget the failures of the account or of this browser (the
    client address keeps its count; the caller commits)."""
    limit, subject = attempt.subjects[0]
    _limiter(request, db).clear(limit, subject)


@dataclass(frozen=True)
class Block:
    """A full sign-in counter, as an admin sees it."""

    key: str
    scope: str
    username: str | None  # the account, for ACCOUNT blocks of a known account
    until: datetime


def current_blocks(request: Request, db: Session) -> list[Block]:
    """Every sign-in counter that refuses attempts now, accounts named where known."""
    clock = request.app.state.clock
    now = clock()
    rules = limits(request.app.state.settings)
    rows = over_limit(db, {scope: limit.max_hits for scope, limit in rules.items()}, now)
    limiter = _limiter(request, db)
    names = {limiter.key(rules[ACCOUNT], account_name(user.username), now): user.username
             for user in db.exec(select(StaffUser))}
    order = {ACCOUNT: 0, DEVICE: 1, CLIENT: 2}
    blocks = [Block(row.key, row.scope, names.get(row.key) if row.scope == ACCOUNT else None,
                    row.expires_at) for row in rows]
    return sorted(blocks, key=lambda b: (order[b.scope], b.username or "", b.until))


def lift_block(db: Session, key: str) -> RateCounter | None:
    """Remove a sign-in block (the caller audits and commits); None if there is none."""
    return lift(db, key, SCOPES)
