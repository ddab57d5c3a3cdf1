"""CSRF defence: an Origin / Sec-Fetch-Site check on every unsafe request, and a
signed per-form token bound to a random cookie, checked before any handler runs.

Tokens are required by default: `portal.routing.route` wraps every endpoint that
accepts an unsafe method, unless the route is created with `csrf_exempt=True`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadSignature, SignatureExpired
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moderation.signing import FastTimestampSigner
from portal.middleware.locale import read_cookie

CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
TOKEN_MAX_AGE = 8 * 3600
COOKIE_BYTES = 32
# The length of every cookie the portal issues (token_urlsafe(32)); a shorter one was not
# made here (a planted or guessable value) and is refused.
COOKIE_LENGTH = len(secrets.token_urlsafe(COOKIE_BYTES))
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(Exception):
    """The request failed the CSRF checks; `reason` is for logs and tests."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


@functools.lru_cache(maxsize=4)
def _signer(secret_key: str) -> FastTimestampSigner:
    return FastTimestampSigner(secret_key, salt="minsheng.csrf.form")


def _binding(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()[:32]


def csrf_token(request: Request) -> str:
    """A signed token for a form on this page; sets the cookie it is bound to if needed."""
    state = request.scope.setdefault("state", {})
    cookie = state.get("csrf_cookie") or read_cookie(request.headers, CSRF_COOKIE)
    if not cookie or len(cookie) < COOKIE_LENGTH:
        cookie = secrets.token_urlsafe(COOKIE_BYTES)
        state["csrf_cookie_new"] = cookie
    state["csrf_cookie"] = cookie
    # One token per request, however many forms the page holds (signing is a hash each).
    issued = state.get("csrf_token")
    if issued is None or issued[0] != cookie:
        token = _signer(request.app.state.settings.secret_key).sign(_binding(cookie)).decode()
        issued = state["csrf_token"] = (cookie, token)
    return issued[1]


def check_token(request: Request, token: object) -> None:
    """Raise CsrfFailed unless `token` was issued for this client's cookie and is fresh."""
    cookie = read_cookie(request.headers, CSRF_COOKIE)
    if not isinstance(token, str) or not token:
        raise CsrfFailed("missing token")
    if not cookie:
        raise CsrfFailed("missing cookie")
    if len(cookie) < COOKIE_LENGTH:
        raise CsrfFailed("cookie shorter than the portal issues")
    try:
        bound = _signer(request.app.state.settings.secret_key).unsign(
            token, max_age=TOKEN_MAX_AGE
        ).decode()
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
