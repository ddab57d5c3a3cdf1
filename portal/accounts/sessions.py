"""Server-side staff sessions: a random token in the cookie, its hash in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, delete
from starlette.requests import Request
from starlette.responses import Response

from moderation.clock import Clock
from portal.accounts.models import StaffUser, WebSession
from portal.middleware.locale import read_cookie
from portal.web import db_session

STAFF_COOKIE = "ms_staff"
COOKIE_PATH = "/staff"
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(request: Request, db: Session, response: Response, user: StaffUser,
                  *, data: dict | None = None) -> WebSession:
    """Begin a fresh session for `user` (dropping any old one): new token, new cookie."""
    settings, now = request.app.state.settings, request.app.state.clock()
    old = read_cookie(request.headers, STAFF_COOKIE)
    if old:
        db.exec(delete(WebSession).where(WebSession.id_hash == _hash(old)))  # type: ignore[arg-type]
    token = secrets.token_urlsafe(32)
    row = WebSession(
        id_hash=_hash(token), kind="staff", user_id=user.id, data=data or {},
        created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
    )
    db.add(row)
    response.set_cookie(STAFF_COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=settings.production)
    request.scope.setdefault("state", {}).pop("staff_session", None)
    return row


def end_session(request: Request, db: Session, response: Response) -> None:
    """Delete the session row and the cookie."""
    token = read_cookie(request.headers, STAFF_COOKIE)
    if token:
        db.exec(delete(WebSession).where(WebSession.id_hash == _hash(token)))  # type: ignore[arg-type]
    response.delete_cookie(STAFF_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=request.app.state.settings.production)


def load_session(request: Request) -> WebSession | None:
    """The request's live session (cached per request), or None if absent or expired."""
    state = request.scope.setdefault("state", {})
    if "staff_session" in state:
        return state["staff_session"]
    state["staff_session"] = None
    token = read_cookie(request.headers, STAFF_COOKIE)
    if not token or not request.url.path.startswith(COOKIE_PATH):
        return None
    settings = request.app.state.settings
    clock: Clock = request.app.state.clock
    now = clock()
    with db_session(request) as db:
        row = db.get(WebSession, _hash(token))
        if row is None or row.kind != "staff":
            return None
        idle = timedelta(minutes=settings.session_idle_minutes)
        if row.expires_at <= now or row.last_seen_at + idle <= now:
            db.delete(row)
            db.commit()
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
            db.add(row)
            db.commit()
        user = db.get(StaffUser, row.user_id) if row.user_id else None
        if user is None or not user.is_active:
            return None
        state["staff_user"] = user
    state["staff_session"] = row
    return row


def current_user(request: Request) -> StaffUser | None:
    """The signed-in staff member, or None (also None while a TOTP code is still due)."""
    row = load_session(request)
    if row is None or row.data.get("pending_totp"):
        return None
    return request.scope["state"].get("staff_user")
