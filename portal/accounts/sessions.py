"""Server-side staff sessions: a random token in the cookie, its hash in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, delete, select
from starlette.requests import Request
from starlette.responses import Response

from moderation.clock import Clock
from portal.accounts.models import RolePolicy, StaffUser, WebSession
from portal.middleware.locale import read_cookie
from portal.web import db_session

STAFF_COOKIE = "ms_staff"
COOKIE_PATH = "/staff"
TOUCH_EVERY = timedelta(seconds=60)
REAUTH_KEY = "reauth_at"  # when the user last proved who they are (see accounts.reauth)


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


def session_data_after_sign_in(at: datetime) -> dict[str, str]:
    """Session data for a fresh, full sign-in: it counts as a re-authentication."""
    return {REAUTH_KEY: at.isoformat()}


def end_session(request: Request, db: Session, response: Response) -> None:
    """Delete the session row and the cookie."""
    token = read_cookie(request.headers, STAFF_COOKIE)
    if token:
        db.exec(delete(WebSession).where(WebSession.id_hash == _hash(token)))  # type: ignore[arg-type]
    response.delete_cookie(STAFF_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax",
                           secure=request.app.state.settings.production)


# The session, its user and the user's role policy in one query: every staff page reads
# them, and three look-ups were three round trips before the page's own queries.
_SESSION_WITH_USER = (
    select(WebSession, StaffUser, RolePolicy)
    .outerjoin(StaffUser, StaffUser.id == WebSession.user_id)  # type: ignore[arg-type]
    .outerjoin(RolePolicy, RolePolicy.role == StaffUser.role)  # type: ignore[arg-type]
)


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
        found = db.execute(_SESSION_WITH_USER.where(WebSession.id_hash == _hash(token))).first()
        if found is None:
            return None
        row, user, policy = found
        if row.kind != "staff":
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
        if user is None or not user.is_active:
            return None
        state["staff_user"] = user
        # Read per request so a policy change applies to sessions already open.
        state["totp_enrolment_due"] = bool(
            policy is not None and policy.require_totp and not user.totp_secret
        )
    state["staff_session"] = row
    return row


def current_user(request: Request) -> StaffUser | None:
    """The signed-in staff member, or None (also None while a TOTP code or a required
    TOTP enrolment is still due)."""
    row = load_session(request)
    if row is None or row.data.get("pending_totp"):
        return None
    if request.scope["state"].get("totp_enrolment_due"):
        return None
    return request.scope["state"].get("staff_user")


def password_verified_user(request: Request) -> StaffUser | None:
    """The user who passed the password step (and the TOTP step, if they have TOTP),
    even when a role policy still asks them to enrol TOTP."""
    row = load_session(request)
    if row is None or row.data.get("pending_totp"):
        return None
    return request.scope["state"].get("staff_user")


def pending_totp_user_id(request: Request) -> int | None:
    """The user id of a session waiting for its TOTP code, or None."""
    row = load_session(request)
    if row is None or not row.data.get("pending_totp"):
        return None
    return row.user_id


def totp_enrolment_due(request: Request) -> bool:
    """True when the signed-in user's role requires TOTP and they have not enrolled."""
    row = load_session(request)
    return row is not None and bool(request.scope["state"].get("totp_enrolment_due"))


def set_session_data(request: Request, db: Session, **changes: object) -> None:
    """Change keys of the current session's data (a value of None removes the key)."""
    row = load_session(request)
    if row is None:
        return
    stored = db.get(WebSession, row.id_hash)
    if stored is None:
        return
    data = {k: v for k, v in {**stored.data, **changes}.items() if v is not None}
    stored.data = data  # a new dict, so the JSON column is marked as changed
    db.add(stored)
    row.data = data


def end_user_sessions(db: Session, user_id: int, *, keep: WebSession | None = None) -> None:
    """Delete every session of `user_id` (except `keep`): sign the user out everywhere."""
    query = delete(WebSession).where(WebSession.user_id == user_id)  # type: ignore[arg-type]
    if keep is not None:
        query = query.where(WebSession.id_hash != keep.id_hash)  # type: ignore[arg-type]
    db.exec(query)  # type: ignore[call-overload]
