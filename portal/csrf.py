"""CSRF defence: an Origin / Sec-Fetch-Site check on every unsafe request, and a
signed per-form token bound to a random cookie, checked before any handler runs.

Tokens are required by default: `portal.routing.route` wraps every endpoint that
accepts an unsafe method, unless the route is created with `csrf_exempt=True`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.middleware.locale import read_cookie

CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
TOKEN_MAX_AGE = 8 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(Exception):
    """The request failed the CSRF checks; `reason` is for logs and tests."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="minsheng.csrf.form")


def _binding(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()[:32]


def csrf_token(request: Request) -> str:
    """A signed token for a form on this page; sets the cookie it is bound to if needed."""
    state = request.scope.setdefault("state", {})
    cookie = state.get("csrf_cookie") or read_cookie(request.headers, CSRF_COOKIE)
    if not cookie or len(cookie) < 32:
        cookie = secrets.token_urlsafe(32)
        state["csrf_cookie_new"] = cookie
    state["csrf_cookie"] = cookie
    return _serializer(request.app.state.settings.secret_key).dumps(_binding(cookie))


def check_token(request: Request, token: object) -> None:
    """Raise CsrfFailed unless `token` was issued for this client's cookie and is fresh."""
    cookie = read_cookie(request.headers, CSRF_COOKIE)
    if not isinstance(token, str) or not token:
        raise CsrfFailed("missing token")
    if not cookie:
        raise CsrfFailed("missing cookie")
    try:
        bound = _serializer(request.app.state.settings.secret_key).loads(
            token, max_age=TOKEN_MAX_AGE
        )
    except SignatureExpired:
        raise CsrfFailed("expired token", expired=True) from None
    except BadSignature:
        raise CsrfFailed("bad token") from None
    if not isinstance(bound, str) or not hmac.compare_digest(bound, _binding(cookie)):
        raise CsrfFailed("token does not match cookie")


def origin_allowed(headers: Headers, base_url: str) -> bool:
    """False when the browser says the request comes from another site."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    if fetch_site == "same-origin":
        # Browsers send `Origin: null` on form posts under `Referrer-Policy: no-referrer`;
        # Sec-Fetch-Site (which pages cannot forge) already says the post is ours.
        return True
    origin = headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    base = urlsplit(base_url)
    return origin.rstrip("/") == f"{base.scheme}://{base.netloc}"


class CsrfMiddleware:
    """Refuses cross-site unsafe requests by their headers, and sets the CSRF cookie
    on responses whose page issued a token."""

    def __init__(self, app: ASGIApp, *, base_url: str, secure_cookies: bool) -> None:
        self.app = app
        self.base_url = base_url
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in UNSAFE_METHODS:
            headers = Headers(scope=scope)
            if not origin_allowed(headers, self.base_url):
                scope.setdefault("state", {})["csrf_origin_failed"] = True

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                new_cookie = scope.get("state", {}).get("csrf_cookie_new")
                if new_cookie:
                    attrs = f"{CSRF_COOKIE}={new_cookie}; Path=/; HttpOnly; SameSite=Strict"
                    if self.secure:
                        attrs += "; Secure"
                    MutableHeaders(scope=message).append("set-cookie", attrs)
            await send(message)

        await self.app(scope, receive, send_with_cookie)
