"""The language switch: remember the reader's choice in a cookie and go back."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal.i18n import LOCALE_COOKIE
from portal.web import redirect, safe_next

ONE_YEAR = 365 * 24 * 60 * 60


def local_target(raw: str | None) -> str:
    """A path on this site to return to; anything else, or anything odd, gives '/'."""
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil" would become "//evil".
    if raw and any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in raw):
        return "/"
    return safe_next(raw, "/")


def set_language(request: Request) -> Response:
    """GET /lang/{locale}?next=/path: keep the choice for a year, then 303 back."""
    settings = request.app.state.settings
    locale = request.path_params["locale"]
    if locale not in settings.locales:
        raise HTTPException(status_code=404)
    response = redirect(local_target(request.query_params.get("next")))
    response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, path="/", httponly=True,
                        samesite="lax", secure=settings.production)
    return response
