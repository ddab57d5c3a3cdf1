"""Exception handlers: every error is a styled, translated page with the right status."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Match, Route

from moderation.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    StaleVersion,
    ValidationFailed,
)
from portal.csrf import CSRF_FIELD, CsrfFailed
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext
from portal.streaming_form import FormRejected
from portal.templating import render

log = logging.getLogger("portal.errors")

# Status codes mapped to a translated title and explanation (marked for extraction).
MESSAGES: dict[int, tuple[str, str]] = {
    400: (lazy_gettext("Bad request"),
          lazy_gettext("The request could not be understood. Please go back and try again.")),
    403: (lazy_gettext("Access denied"),
          lazy_gettext("You do not have permission to see this page.")),
    404: (lazy_gettext("Page not found"),
          lazy_gettext("The page you asked for does not exist or has been moved.")),
    405: (lazy_gettext("Method not allowed"),
          lazy_gettext("This address does not accept that kind of request.")),
    409: (lazy_gettext("Conflict"),
          lazy_gettext("Someone else changed this in the meantime. Reload and try again.")),
    413: (lazy_gettext("Too large"),
          lazy_gettext("What you sent is larger than this form accepts.")),
    415: (lazy_gettext("Unsupported type"),
          lazy_gettext("This kind of content is not accepted here.")),
    422: (lazy_gettext("Invalid input"),
          lazy_gettext("Some of what you entered could not be accepted.")),
    429: (lazy_gettext("Too many attempts"),
          lazy_gettext("Too many attempts in a short time. Please wait and try again.")),
    503: (lazy_gettext("Temporarily unavailable"),
          lazy_gettext("The service is temporarily unavailable because of maintenance or a "
                       "fault. Please try again in a few minutes.")),
    500: (lazy_gettext("Something went wrong"),
          lazy_gettext("An unexpected error happened. It has been recorded; "
                       "please try again later.")),
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


# Names of the fields people type into, for the form an outage page gives back.
FIELD_LABELS: dict[str, str] = {
    "content": lazy_gettext("What happened"),
    "contact_name": lazy_gettext("Your name"),
    "contact_phone": lazy_gettext("Phone"),
    "contact_email": lazy_gettext("Email"),
    "person_name": lazy_gettext("Name of the staff member"),
    "person_post": lazy_gettext("Post or position"),
    "happened_when": lazy_gettext("When"),
    "happened_where": lazy_gettext("Where"),
    "title": lazy_gettext("Title"),
    "body": lazy_gettext("Text"),
    "reason": lazy_gettext("Reason"),
    "reply": lazy_gettext("Reply"),
    "note": lazy_gettext("Note"),
}
_NEVER_ECHOED = {CSRF_FIELD, "website"}  # a fresh CSRF token is issued; the honeypot stays empty
_SECRET_NAMES = ("password", "secret", "totp", "otp", "receipt")  # typed again, never echoed


def _is_typed_text(name: str, value: str) -> bool:
    """Text a person wrote (not a token or a choice): shown so it can be read and copied."""
    if not value.strip():
        return False
    return name in FIELD_LABELS or any(ch.isspace() or not ch.isascii() for ch in value)


def unavailable_page(request: Request, fields: list[tuple[str, str]]) -> Response:
    """503 with Retry-After; a posted form's text comes back in a form to send again."""
    from portal.middleware.outage import RETRY_AFTER_SECONDS

    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    echoed = [(name, value, _is_typed_text(name, value)) for name, value in fields
              if name not in _NEVER_ECHOED and not any(s in name for s in _SECRET_NAMES)]
    try:
        return render(request, "errors/unavailable.html",
                      {"fields": echoed, "action": request.url.path,
                       "label_of": lambda name: _(FIELD_LABELS[name]) if name in FIELD_LABELS
                       else name},
                      status_code=503, headers=headers)
    except Exception:  # the page itself must never fail
        log.warning("outage page failed to render")
        return PlainTextResponse("503", status_code=503, headers=headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        moved = slash_redirect(request)
        if moved is not None:
            return moved
    headers = dict(exc.headers or {})
    return error_page(request, exc.status_code, headers=headers)


def slash_redirect(request: Request) -> Response | None:
    """A relative redirect to the same path with or without its trailing slash, when that
    one exists. Starlette's own builds an absolute address from the `Host` header."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.url.path
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    if not other or other == path:
        return None
    scope = {**request.scope, "path": other}
    for candidate in request.app.router.routes:
        if isinstance(candidate, Route) and candidate.matches(scope)[0] == Match.FULL:
            query = request.url.query
            return RedirectResponse(other + (f"?{query}" if query else ""), status_code=307)
    return None


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


async def form_rejected(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRejected)
    return error_page(request, exc.status)


EXCEPTION_HANDLERS = {
    FormRejected: form_rejected,
    HTTPException: http_exception,
    CsrfFailed: csrf_failed,
    DomainError: domain_error,
}
