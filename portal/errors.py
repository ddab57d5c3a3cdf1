"""Exception handlers: every error is a styled, translated page with the right status."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from moderation.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    StaleVersion,
    ValidationFailed,
)
from portal.csrf import CsrfFailed
from portal.locale_context import gettext as _
from portal.templating import render

log = logging.getLogger("portal.errors")

# Status codes mapped to a translated title and explanation.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Access denied", "You do not have permission to see this page."),
    404: ("Page not found", "The page you asked for does not exist or has been moved."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "Someone else changed this in the meantime. Reload and try again."),
    413: ("Too large", "What you sent is larger than this form accepts."),
    415: ("Unsupported type", "This kind of content is not accepted here."),
    422: ("Invalid input", "Some of what you entered could not be accepted."),
    429: ("Too many attempts", "Too many attempts in a short time. Please wait and try again."),
    500: ("Something went wrong", "An unexpected error happened. It has been recorded; "
          "please try again later."),
}

DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    NotPermitted: 403,
    InvalidTransition: 409,
    StaleVersion: 409,
    ValidationFailed: 422,
}


def error_page(request: Request, status: int, detail: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
    """The translated error page for `status`."""
    title, message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    try:
        return render(request, "errors/error.html",
                      {"status": status, "title": _(title), "message": detail or _(message)},
                      status_code=status, headers=headers)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed to render")
        return PlainTextResponse(f"{status}", status_code=status, headers=headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    return error_page(request, exc.status_code, headers=headers)


async def csrf_failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsrfFailed)
    log.info("csrf check failed: %s", exc.reason)
    detail = _(
        "This form has expired or was not sent from this site. Go back, reload the page "
        "and send it again; what you typed is still in the form when you go back."
    )
    return render(request, "errors/error.html",
                  {"status": 403, "title": _("Form expired"), "message": detail},
                  status_code=403)


async def domain_error(request: Request, exc: Exception) -> Response:
    status = next((code for kind, code in DOMAIN_STATUS.items() if isinstance(exc, kind)), 400)
    return error_page(request, status)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    CsrfFailed: csrf_failed,
    DomainError: domain_error,
}
