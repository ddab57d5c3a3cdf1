"""Route construction: who may use each route, CSRF checks and body limits, in one place.

Every route declares its roles where it is declared (`roles=PUBLIC` or a set of roles),
so the whole permission table can be read, printed (`portal routes`) and tested from the
route list. The role guard, CSRF check and body limits are applied here, never by hand.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive

from moderation.roles import Role
from portal.accounts.permissions import guard_roles
from portal.csrf import CSRF_FIELD, UNSAFE_METHODS, CsrfFailed, check_token
from portal.streaming_form import verified_stream_request

Endpoint = Callable[[Request], Awaitable[Response] | Response]

class Access(enum.Enum):
    PUBLIC = "public"


PUBLIC = Access.PUBLIC  # anyone, signed in or not: citizens' pages and the sign-in steps
STAFF = frozenset(Role)  # any signed-in member of staff

DEFAULT_MAX_BODY = 1024 * 1024  # forms without files
DEFAULT_MAX_FIELDS = 200


class IdConvertor(IntegerConvertor):
    """A row id in a path: at most 9 digits, so it fits PostgreSQL's INTEGER (2^31 - 1);
    a longer one would overflow the driver and give a 500. Anything longer is no route."""

    regex = "[0-9]{1,9}"


# Every `{name:int}` of this app's routes is a row id (registered before any Route).
register_url_convertor("int", IdConvertor())


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413)


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def limited_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return limited_receive


async def read_form(request: Request) -> FormData:
    """The parsed form, read once per request within the route's limits."""
    return await request.form()


async def _call(endpoint: Endpoint, request: Request) -> Response:
    if inspect.iscoroutinefunction(endpoint):
        return await endpoint(request)  # type: ignore[misc]
    return await run_in_threadpool(endpoint, request)  # type: ignore[arg-type]


def _guarded(endpoint: Endpoint, *, csrf: bool, max_body: int, max_files: int,
             max_fields: int, max_part_size: int, stream: bool = False) -> Endpoint:
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if request.method in UNSAFE_METHODS:
            declared = request.headers.get("content-length")
            if declared is not None:
                if not (declared.isascii() and declared.isdigit()):
                    raise HTTPException(status_code=400)
                if int(declared) > max_body:
                    raise BodyTooLarge()
            request = Request(request.scope, _limited(request.receive, max_body))
            if stream:
                # The handler streams the body itself; the token is read from the start
                # of the body (before any file) and those bytes are replayed to it.
                if csrf:
                    if request.scope.get("state", {}).get("csrf_origin_failed"):
                        raise CsrfFailed("cross-site request")
                    request = await verified_stream_request(request)
                return await endpoint(request)  # type: ignore[misc]
            # Parse with this route's limits; the result is cached on the request.
            form = await request.form(
                max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
            )
            try:
                if csrf:
                    if request.scope.get("state", {}).get("csrf_origin_failed"):
                        raise CsrfFailed("cross-site request")
                    check_token(request, form.get(CSRF_FIELD))
                return await _call(endpoint, request)
            finally:
                # This Request is ours, so Starlette will not close its uploaded files.
                await form.close()
        return await _call(endpoint, request)

    guarded.csrf_protected = csrf  # type: ignore[attr-defined]
    return guarded


class PortalRoute(Route):
    """A Route that knows who may use it: `roles` is None for a public route."""

    def __init__(self, path: str, endpoint: Endpoint, *, methods: list[str],
                 name: str | None, roles: frozenset[Role] | None,
                 totp_enrolment: bool) -> None:
        super().__init__(path, endpoint, methods=methods, name=name)
        self.roles = roles
        self.totp_enrolment = totp_enrolment


def route(
    path: str,
    endpoint: Endpoint,
    *,
    roles: Access | Iterable[Role],
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
    totp_enrolment: bool = False,
    csrf_exempt: bool = False,
    max_body: int = DEFAULT_MAX_BODY,
    max_files: int = 0,
    max_fields: int = DEFAULT_MAX_FIELDS,
    max_part_size: int = DEFAULT_MAX_BODY,
    stream: bool = False,
) -> PortalRoute:
    """A route usable by `roles` (or by anyone: `roles=PUBLIC`) whose unsafe methods need
    a valid CSRF token (unless `csrf_exempt`). With `totp_enrolment`, staff who must still
    enrol TOTP may use it too (the enrolment pages)."""
    methods = [m.upper() for m in methods]
    allowed: frozenset[Role] | None = None
    if roles is not PUBLIC:
        allowed = frozenset(roles)  # type: ignore[arg-type]
        if not allowed or not allowed <= STAFF:
            raise ValueError(f"route {path}: roles must be PUBLIC or a non-empty set of Role")
        endpoint = guard_roles(endpoint, allowed, totp_enrolment=totp_enrolment)
    elif totp_enrolment:
        raise ValueError(f"route {path}: totp_enrolment is for staff routes")
    if UNSAFE_METHODS.intersection(methods):
        endpoint = _guarded(endpoint, csrf=not csrf_exempt, max_body=max_body,
                            max_files=max_files, max_fields=max_fields,
                            max_part_size=max_part_size, stream=stream)
    return PortalRoute(path, endpoint, methods=methods, name=name, roles=allowed,
                       totp_enrolment=totp_enrolment)


@dataclass(frozen=True)
class Permission:
    """One line of the permission table: who may use `method path`."""

    method: str
    path: str
    roles: frozenset[Role] | None  # None: public

    def describe(self) -> str:
        who = "public" if self.roles is None else ",".join(
            role.value for role in Role if role in self.roles)
        return f"{self.method:<5} {self.path:<58} {who}"


def permission_table(routes: Iterable[object]) -> list[Permission]:
    """Who may use each route, method by method (HEAD is GET's twin and is left out).

    A route not built with `route()` raises: it would have no declared roles."""
    table = []
    for item in routes:
        if not isinstance(item, Route):
            continue
        if not isinstance(item, PortalRoute):
            raise TypeError(f"{item.path} is not built with portal.routing.route()")
        for method in sorted((item.methods or set()) - {"HEAD"}):
            table.append(Permission(method, item.path, item.roles))
    return table
