"""While the database is away: 503 with Retry-After, and a posted form given back filled in.

A request that fails because the database cannot be reached is not a bug of the portal,
so it gets neither a 500 nor a traceback in the log. Public pages are served stale by the
page cache before the error reaches this middleware; everything else gets the translated
"temporarily unavailable" page. For a POST, the page repeats what was typed (text fields
only; files must be attached again) in a form that sends it to the same address again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import python_multipart.multipart as multipart
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.formparsers import parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("portal.outage")

RETRY_AFTER_SECONDS = 30
OUTAGE_FLAG = "database_unavailable"  # set in the request state: the page cache may go stale
MAX_FORM_BYTES = 1024 * 1024  # text fields come before files; more is never echoed back
MAX_ECHO_FIELDS = 100


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` (or what caused it) means the database could not be reached."""
    for _ in range(5):
        if exc is None:
            return False
        if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | DisconnectionError):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def typed_fields(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The text fields of a (possibly truncated) urlencoded or multipart body; no files."""
    kind, params = parse_options_header(content_type)
    if kind == b"application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        try:
            return parse_qsl(body.decode("utf-8"), keep_blank_values=True)[:MAX_ECHO_FIELDS]
        except UnicodeDecodeError:
            return []
    if kind != b"multipart/form-data" or b"boundary" not in params:
        return []
    fields: list[tuple[str, str]] = []
    part: dict[str, object] = {}
    header = [b"", b""]

    def on_part_begin() -> None:
        part.clear()
        part["data"] = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        if header[0].lower() == b"content-disposition":
            _, options = parse_options_header(header[1])
            part["name"] = options.get(b"name", b"")
            part["file"] = b"filename" in options
        header[0] = header[1] = b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if not part.get("file"):
            part["data"] += data[start:end]  # type: ignore[operator]

    def on_part_end() -> None:
        if part.get("file") or not part.get("name") or len(fields) >= MAX_ECHO_FIELDS:
            return
        with contextlib.suppress(UnicodeDecodeError):
            fields.append((part["name"].decode(), part["data"].decode()))  # type: ignore[union-attr]

    callbacks: dict[str, Callable] = {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    }
    parser = multipart.MultipartParser(params[b"boundary"], callbacks)
    with contextlib.suppress(Exception):  # a damaged body: echo what was parsed before it
        parser.write(body)
    return fields


class OutageMiddleware:
    """Turns "database unreachable" into a 503 page; keeps a posted form's text."""

    def __init__(self, app: ASGIApp, *, render: Callable[..., object]) -> None:
        self.app = app
        self.render = render  # (request, fields) -> Response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        body = bytearray()
        state = {"complete": scope["method"] in ("GET", "HEAD", "OPTIONS"), "overflow": False}

        async def tee_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                if not state["overflow"]:
                    body.extend(message.get("body", b""))
                    if len(body) > MAX_FORM_BYTES:
                        state["overflow"] = True
                state["complete"] = not message.get("more_body", False)
            else:
                state["complete"] = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, tee_receive, tracking_send)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            log.warning("database unavailable: 503 on %s %s", scope["method"], scope["path"])
            # The handler may have failed before reading the form: read its text now.
            while not state["complete"] and not state["overflow"]:
                await tee_receive()
            fields = []
            if scope["method"] == "POST":
                request = Request(scope)
                fields = typed_fields(request.headers.get("content-type", ""),
                                      bytes(body[:MAX_FORM_BYTES]))
            scope.setdefault("state", {})["staff_session"] = None  # no second try of the DB
            scope["state"][OUTAGE_FLAG] = True
            response = self.render(Request(scope, receive), fields)
            await response(scope, receive, send)  # type: ignore[operator]
