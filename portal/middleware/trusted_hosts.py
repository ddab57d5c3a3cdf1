"""Answer only for the configured hosts: a request naming any other `Host` gets a 400.

The `Host` header is the client's word. Nothing in the portal builds an address from it
(feeds, sitemaps and links come from BASE_URL; redirects are relative), and this check
keeps a request for another name from reaching the app at all: no poisoned cache entry,
no password-reset-style link pointing elsewhere, no slash redirect to a stranger.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

BODY = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>400</title>"
        "<h1>400</h1><p>请求的网站地址不正确。</p>"
        "<p lang=\"en\">This address is not served here.</p></html>").encode()


def host_name(header: str) -> str:
    """The host name of a `Host` header value, lower-cased and without its port."""
    value = header.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1:value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TrustedHostMiddleware:
    """400 for HTTP requests whose `Host` is not one of `hosts`."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and host_name(Headers(scope=scope).get("host", "")) \
                not in self.hosts:
            await send({"type": "http.response.start", "status": 400, "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(BODY)).encode()),
                (b"cache-control", b"no-store"),
            ]})
            await send({"type": "http.response.body", "body": BODY})
            return
        await self.app(scope, receive, send)
