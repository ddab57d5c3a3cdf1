"""Device cookies: a browser where a member of staff signed in before is recognised.

OWASP's answer to lockout attacks ("Slow Down Online Guessing Attacks with Device
Cookies"): guessers are throttled per account, but only for browsers the account has
not signed in from; a recognised browser has a failure counter of its own, so a stranger
guessing a name cannot lock its owner out. The cookie is signed (itsdangerous, its own
salt), names the account by id with a random nonce, and is replaced at every sign-in.
It proves nothing on its own: the password (and TOTP) are still needed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from portal.middleware.locale import read_cookie

DEVICE_COOKIE = "ms_device"
COOKIE_PATH = "/staff/login"
MAX_AGE = 180 * 24 * 3600  # a browser not used to sign in for half a year is a stranger
SALT = "minsheng.device-cookie"


@dataclass(frozen=True)
class Device:
    """A browser the account `user_id` signed in from; `nonce` names this browser."""

    user_id: int
    nonce: str


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt=SALT)


def recognised(request: Request, user_id: int | None) -> Device | None:
    """The request's device cookie when it is valid and was issued to `user_id`."""
    raw = read_cookie(request.headers, DEVICE_COOKIE)
    if not raw or user_id is None or len(raw) > 256:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("u") != user_id:
        return None
    nonce = data.get("n")
    return Device(user_id, nonce) if isinstance(nonce, str) and nonce else None


def remember(request: Request, response: Response, user_id: int) -> None:
    """Give the browser a fresh device cookie for `user_id` (after a full sign-in)."""
    value = _serializer(request).dumps({"u": user_id, "n": secrets.token_urlsafe(16)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=MAX_AGE, path=COOKIE_PATH,
                        httponly=True, samesite="strict",
                        secure=request.app.state.settings.production)
