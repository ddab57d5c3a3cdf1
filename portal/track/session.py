"""The citizen's short server-side session: a random token in a cookie scoped to /track.

The row is found by a hash of the token; what it says (the submission id and the exact
times that drive the idle and maximum lifetimes) is sealed with a key derived from the
token itself, so only a request carrying the cookie can read it. In the clear the row
keeps only times truncated to the hour (created, last seen, and an hour by which it has
surely expired, for purging): a stolen database does not tie a case to a moment. The
row is deleted at sign-out or once expired (purged whenever a new session begins).
Idle sessions end after `track_idle_minutes`; none lasts longer than `MAX_AGE`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.crypto import DecryptionFailed, open_sealed, seal
from moderation.intake.deadlines import hour_of
from moderation.intake.keys import hkdf
from portal.accounts.models import WebSession
from portal.middleware.locale import read_cookie

TRACK_COOKIE = "ms_track"
COOKIE_PATH = "/track"
KIND = "citizen"
MAX_AGE = timedelta(hours=2)
_CONTEXT = "track/session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.track_idle_minutes)


def _seal_state(token: str, submission_id: int, created: datetime,
                expires: datetime) -> dict[str, str]:
    payload = json.dumps({"id": submission_id, "created": created.timestamp(),
                          "expires": expires.timestamp()}).encode()
    sealed = seal(hkdf(token.encode(), _CONTEXT), payload, _CONTEXT, pad_to=64)
    return {"sealed": base64.b64encode(sealed).decode()}


def _open_state(token: str, data: dict[str, object]) -> tuple[int, datetime, datetime] | None:
    try:
        blob = base64.b64decode(str(data.get("sealed", "")), validate=True)
        values = json.loads(open_sealed(hkdf(token.encode(), _CONTEXT), blob, _CONTEXT))
        return (int(values["id"]), datetime.fromtimestamp(values["created"], UTC),
                datetime.fromtimestamp(values["expires"], UTC))
    except (DecryptionFailed, ValueError, KeyError, TypeError):
        return None


def start_citizen_session(request: Request, db: Session, response: Response,
                          submission_id: int) -> None:
    """Begin a fresh session on one case (replacing any old one) and set its cookie."""
    now = request.app.state.clock()
    old = read_cookie(request.headers, TRACK_COOKIE)
    if old:
        db.exec(delete(WebSession).where(col(WebSession.id_hash) == _hash(old)))  # type: ignore[call-overload]
    db.exec(delete(WebSession).where(  # type: ignore[call-overload]
        col(WebSession.kind) == KIND, col(WebSession.expires_at) <= now))
    token = secrets.token_urlsafe(32)
    hour = hour_of(now)
    db.add(WebSession(id_hash=_hash(token), kind=KIND, user_id=None,
                      data=_seal_state(token, submission_id, now, now + _idle(request)),
                      created_at=hour, last_seen_at=hour,
                      expires_at=hour + MAX_AGE + timedelta(hours=1)))
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
    state = _open_state(token, row.data)
    if state is None or state[2] <= now or state[1] + MAX_AGE <= now:
        db.delete(row)
        db.commit()
        return None
    submission_id, created, _expires = state
    row.data = _seal_state(token, submission_id, created,
                           min(now + _idle(request), created + MAX_AGE))
    row.last_seen_at = hour_of(now)
    db.add(row)
    return submission_id


def end_citizen_session(request: Request, db: Session, response: Response) -> None:
    """Delete the session row and its cookie."""
    token = read_cookie(request.headers, TRACK_COOKIE)
    if token:
        db.exec(delete(WebSession).where(col(WebSession.id_hash) == _hash(token)))  # type: ignore[call-overload]
    response.delete_cookie(TRACK_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=request.app.state.settings.production)
