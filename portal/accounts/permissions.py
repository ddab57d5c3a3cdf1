"""The role guard of staff routes (applied by `route()`), and the signed-in user."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from moderation.roles import Actor, Role
from portal.accounts.models import StaffUser
from portal.accounts.sessions import (
    current_user,
    password_verified_user,
    pending_totp_user_id,
    totp_enrolment_due,
)

TOTP_LOGIN_PATH = "/staff/login/totp"
TOTP_ENROL_PATH = "/staff/account/totp"


def _not_signed_in(request: Request) -> Response:
    """Where to send a visitor who has no usable session for this page."""
    target = quote(request.url.path, safe="/")
    if pending_totp_user_id(request) is not None:
        return RedirectResponse(f"{TOTP_LOGIN_PATH}?next={target}", status_code=303)
    if totp_enrolment_due(request):
        # The role requires TOTP: nothing else is reachable until it is set up.
        return RedirectResponse(TOTP_ENROL_PATH, status_code=303)
    return RedirectResponse(f"/staff/login?next={target}", status_code=303)


def guard_roles(endpoint: Callable, roles: frozenset[Role], *,
                totp_enrolment: bool = False) -> Callable:
    """`endpoint`, reachable only by signed-in staff with one of `roles`.

    Anonymous visitors are sent to the sign-in page; other roles get 403. With
    `totp_enrolment`, users who still have to enrol TOTP may enter too. Called by
    `portal.routing.route()` for every route that is not public: never by hand.
    """

    def admitted(request: Request) -> Response | None:
        """None when the visitor may enter; else where to send them. Reads the session
        from the database: call it in a worker thread, never on the event loop."""
        user = password_verified_user(request) if totp_enrolment else current_user(request)
        if user is None:
            return _not_signed_in(request)
        if user.role not in roles:
            raise HTTPException(status_code=403)
        request.state.user = user
        return None

    def checked_sync(request: Request) -> Response:
        return admitted(request) or endpoint(request)

    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        # One trip to a worker thread for the session and a sync page together.
        if not inspect.iscoroutinefunction(endpoint):
            return await run_in_threadpool(checked_sync, request)
        refused = await run_in_threadpool(admitted, request)
        return refused or await endpoint(request)

    return checked


def staff_user(request: Request) -> StaffUser:
    """The signed-in user of a staff route (set by the role guard of `route()`)."""
    return request.state.user


def actor_of(user: StaffUser) -> Actor:
    """The domain's view of a staff member."""
    return Actor(id=user.id, label=user.username, role=user.role, unit_id=user.unit_id)
