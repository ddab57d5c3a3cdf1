"""The citizen's short server-side session: a random token in a cookie scoped to /track.

The session row holds the submission id, never the receipt; times are kept to the
minute and the row is deleted at sign-out or once it has expired (expired rows are
purged whenever a new citizen session begins). Idle sessions end after
`track_idle_minutes`; no session lasts longer than `MAX_AGE`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete
from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.models import WebSession
from portal.middleware.locale import read_cookie

TRACK_COOKIE = "ms_track"
COOKIE_PATH = "/track"
KIND = "citizen"
MAX_AGE = timedelta(hours=2)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _idle(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.track_idle_minutes)


def start_citizen_session(request: Request, db: Session, response: Response,
                          submission_id: int) -> None:
    """Begin a fresh session on one case (replacing any old one) and set its cookie."""
    now = _minute(request.app.state.clock())
    old = read_cookie(request.headers, TRACK_COOKIE)
    if old:
        db.exec(delete(WebSession).where(col(WebSession.id_hash) == _hash(old)))  # type: ignore[call-overload]
    db.exec(delete(WebSession).where(  # type: ignore[call-overload]
        col(WebSession.kind) == KIND, col(WebSession.expires_at) <= now))
    token = secrets.token_urlsafe(32)
    db.add(WebSession(id_hash=_hash(token), kind=KIND, user_id=None,
                      data={"submission_id": submission_id}, created_at=now,
                      last_seen_at=now, expires_at=now + _idle(request)))
    response.set_cookie(TRACK_COOKIE, token, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=request.app.state.settings.production)


def case_of_session(request: Request, db: Session) -> int | None:
    """The submission id of the request's live citizen session, or None.

    Each use moves the idle expiry forward (the caller commits).
    """
    token = read_cookie(request.headers, TRACK_COOKIE)
    if not token or len(token) > 100:
        return None
    now = request.app.state.clock()
    row = db.get(WebSession, _hash(token))
    if row is None or row.kind != KIND:
        return None
    if row.expires_at <= now or row.created_at + MAX_AGE <= now:
        db.delete(row)
        db.commit()
        return None
    expires = min(_minute(now) + _idle(request), row.created_at + MAX_AGE)
    if expires != row.expires_at:
        row.last_seen_at, row.expires_at = _minute(now), expires
        db.add(row)
    submission_id = row.data.get("submission_id")
    return submission_id if isinstance(submission_id, int) else None


def end_citizen_session(request: Request, db: Session, response: Response) -> None:
    """Delete the session row and its cookie."""
    token = read_cookie(request.headers, TRACK_COOKIE)
    if token:
        db.exec(delete(WebSession).where(col(WebSession.id_hash) == _hash(token)))  # type: ignore[call-overload]
    response.delete_cookie(TRACK_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=request.app.state.settings.production)
