"""Elder-friendly mode (长辈模式): very large text, high contrast, one column.

A preference like the language: a GET link sets a cookie and goes back, so it works
without JavaScript and public pages stay cacheable (the mode is part of the page cache's
key). The MIIT's elder-friendly design rules for websites (互联网网站适老化通用设计规范)
ask for such a switch on every page, easy to find and easy to turn off.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from portal.middleware.locale import read_cookie
from portal.public.language import ONE_YEAR, local_target
from portal.web import redirect

MODE_COOKIE = "view"
ELDER = "elder"
STANDARD = "standard"


def is_elder(headers: Headers) -> bool:
    """True when the reader chose the elder-friendly mode."""
    return "cookie" in headers and read_cookie(headers, MODE_COOKIE) == ELDER


def set_mode(request: Request) -> Response:
    """GET /view/{elder|standard}?next=/path: remember the choice, then 303 back."""
    mode = request.path_params["mode"]
    if mode not in (ELDER, STANDARD):
        raise HTTPException(status_code=404)
    response = redirect(local_target(request.query_params.get("next")))
    settings = request.app.state.settings
    if mode == ELDER:
        response.set_cookie(MODE_COOKIE, ELDER, max_age=ONE_YEAR, path="/", httponly=True,
                            samesite="lax", secure=settings.production)
    else:
        response.delete_cookie(MODE_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=settings.production)
    return response
