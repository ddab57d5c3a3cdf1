"""Sign-in throttling per account and per client, keyed by HMACs so that neither the
account name nor the client address is stored as such."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, or_, select
from starlette.requests import Request

from portal.accounts.models import LoginThrottle


def _key(secret_key: str, kind: str, value: str) -> str:
    # A purpose-bound subkey: the throttle keys cannot be matched with other HMACs.
    subkey = hmac.new(secret_key.encode(), b"minsheng.login-throttle", hashlib.sha256).digest()
    return hmac.new(subkey, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()


def account_key(secret_key: str, username: str) -> str:
    """The throttle key of an account name (case and surrounding spaces ignored)."""
    return _key(secret_key, "account", username.strip().casefold())


def client_key(secret_key: str, address: str) -> str:
    """The throttle key of a client address."""
    return _key(secret_key, "client", address)


def client_address(request: Request) -> str:
    """The client's address as the server saw it (proxies are resolved by uvicorn)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta

    @classmethod
    def of(cls, settings: object) -> Limits:
        return cls(settings.login_max_failures,  # type: ignore[attr-defined]
                   timedelta(minutes=settings.login_window_minutes))  # type: ignore[attr-defined]


def request_keys(request: Request, username: str) -> list[str]:
    """The account key and the client key for a sign-in attempt."""
    secret = request.app.state.settings.secret_key
    return [account_key(secret, username), client_key(secret, client_address(request))]


def retry_after(db: Session, keys: Iterable[str], now: datetime) -> int | None:
    """Seconds until every key is unblocked, or None when none is blocked."""
    rows = db.exec(select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))  # type: ignore[attr-defined]
    until = [row.blocked_until for row in rows if row.blocked_until and row.blocked_until > now]
    if not until:
        return None
    return max(1, math.ceil((max(until) - now).total_seconds()))


def record_failure(db: Session, keys: Iterable[str], now: datetime, limits: Limits) -> None:
    """Count one failure on each key; block a key for one window when it reaches the limit.

    Commits on its own: a failure must count even though the attempt changes nothing else.
    """
    _prune(db, now, limits)
    for key in keys:
        for _attempt in range(2):  # a concurrent first failure may insert the row first
            try:
                _count(db, key, now, limits)
                db.commit()
                break
            except IntegrityError:
                db.rollback()


def _prune(db: Session, now: datetime, limits: Limits) -> None:
    """Forget keys whose window and block have both passed, so the table stays small."""
    db.exec(delete(LoginThrottle).where(  # type: ignore[call-overload]
        col(LoginThrottle.window_start) <= now - limits.window,
        or_(col(LoginThrottle.blocked_until).is_(None), col(LoginThrottle.blocked_until) <= now),
    ))


def _count(db: Session, key: str, now: datetime, limits: Limits) -> None:
    row = db.exec(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).first()
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
    elif row.window_start + limits.window <= now:
        row.failures, row.window_start, row.blocked_until = 0, now, None
    row.failures += 1
    if row.failures >= limits.max_failures:
        row.blocked_until = now + limits.window
    db.add(row)
    db.flush()


def clear(db: Session, key: str) -> None:
    """Forget the failures of `key` (the caller commits)."""
    db.exec(delete(LoginThrottle).where(LoginThrottle.key == key))  # type: ignore[call-overload,arg-type]
