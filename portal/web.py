"""Small helpers shared by handlers: the database session, the clock, redirects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse

from moderation.clock import Clock


@contextmanager
def db_session(request: Request) -> Iterator[Session]:
    """One database session for one action; the handler commits at its boundary."""
    with Session(request.state.engine, expire_on_commit=False) as session:
        yield session


def clock(request: Request) -> Clock:
    """The app's clock (replaceable in tests)."""
    return request.app.state.clock


def now(request: Request) -> datetime:
    return request.app.state.clock()


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    """A See Other redirect, the answer to a successful POST."""
    return RedirectResponse(url, status_code=status_code)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (other hosts, schemes) gives `default`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target
