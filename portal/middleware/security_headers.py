"""One deny-by-default policy of response headers for every response."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP: dict[str, list[str]] = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "manifest-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
}


def csp_header(policy: dict[str, list[str]] = CSP) -> str:
    """Serialise a CSP dict."""
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


# Paths whose responses hold staff or citizen case data: never cached anywhere.
NO_STORE_PREFIXES = ("/staff", "/track", "/submit", "/receipt")


class SecurityHeadersMiddleware:
    """Adds CSP, referrer, sniffing, framing and (in production) HSTS headers."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production
        self.csp = csp_header()
        # Encoded once: setting them one by one through MutableHeaders scanned the header
        # list for each, on every response.
        fixed = [("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff"),
                 ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"),
                 ("Cross-Origin-Resource-Policy", "same-origin"),
                 ("Permissions-Policy",
                  "camera=(), microphone=(), geolocation=(), interest-cohort=()")]
        if production:
            fixed.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
        self._fixed = _encoded(fixed)
        self._no_store = _encoded([("Cache-Control", "no-store"), ("Pragma", "no-cache")])
        self._csp = _encoded([("Content-Security-Policy", self.csp)])
        self._no_cache = _encoded([("Cache-Control", "no-cache")])
        self._replaced = frozenset(name for name, _ in self._fixed)
        self._replaced_no_store = self._replaced | {name for name, _ in self._no_store}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith(NO_STORE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.with_policy(message.get("headers", []), no_store)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def with_policy(self, headers: Iterable[tuple[bytes, bytes]],
                    no_store: bool) -> list[tuple[bytes, bytes]]:
        """The response's headers with the policy's set (the response's own CSP and
        Cache-Control kept, unless the path is one that is never stored)."""
        replaced = self._replaced_no_store if no_store else self._replaced
        present = set()
        out = []
        for name, value in headers:
            name = name.lower()
            present.add(name)
            if name not in replaced:
                out.append((name, value))
        if b"content-security-policy" not in present:
            out += self._csp
        out += self._fixed
        if no_store:
            out += self._no_store
        elif b"cache-control" not in present:
            out += self._no_cache
        return out


def _encoded(pairs: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
