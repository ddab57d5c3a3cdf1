"""Pages that differ between requests only in their tokens, rendered once per worker.

A blank form is the same for every citizen apart from its CSRF token and form token. It
is rendered once per language with placeholders in their place, and each request only
swaps in fresh tokens. The stored copy is rendered again when any of the data it was
rendered from (values from `portal.worker_cache`) is a different object.

Also used for public pages built only from cached data (no slots at all): with the page
cache off they are rendered again only when their data has been reloaded.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from portal.csrf import csrf_token
from portal.locale_context import current_locale, request_locale
from portal.public.display_mode import is_elder
from portal.seo import page_links

# Letters, digits and dashes only: autoescaping leaves them as they are. Random per
# process, so that no text an editor writes can be taken for a placeholder.
SLOT_MARK = "slot-{}-" + secrets.token_hex(8)


@dataclass(frozen=True)
class _Rendered:
    sources: tuple[object, ...]
    body: bytes  # encoded once: encoding the page per request cost more than its slots


def slot(name: str) -> str:
    """The placeholder rendered where the per-request value `name` goes."""
    return SLOT_MARK.format(name)


def escaped(value: str) -> Callable[[], str]:
    """A slot's value for text: set in HTML-escaped, as the template would have shown it."""
    return lambda: str(escape(value))


class SlottedPages:
    """Rendered bodies with placeholders, keyed by template, variant, language and URL."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, _Rendered] = OrderedDict()

    def body(self, key: tuple, sources: tuple[object, ...],
             render: Callable[[], bytes]) -> bytes:
        entry = self.entries.get(key)
        if entry is None or len(entry.sources) != len(sources) or any(
                a is not b for a, b in zip(entry.sources, sources, strict=True)):
            entry = _Rendered(sources, render())
            self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return entry.body


def render_slotted(request: Request, name: str,
                   context: dict[str, Any] | Callable[[], dict[str, Any]], *,
                   sources: tuple[object, ...], slots: Mapping[str, Callable[[], str]],
                   headers: Mapping[str, str] | None = None, variant: tuple = (),
                   status_code: int = 200) -> Response:
    """`name` rendered with `context` once, then per request with fresh `slots` values.

    `sources` are the cached values the context was built from; `context` must hold
    nothing else that varies between requests, and may be a function that builds it (it
    is then called only when the page is rendered). The CSRF token is always a slot.
    """
    locale = request_locale(request.scope)
    elder = is_elder(request.headers)
    # The scope's path, not `request.url`: building the URL cost more than the rest of
    # the key (it is built on a miss, for the page's links).
    key = (name, variant, locale, elder, request.scope["path"],
           request.scope.get("query_string", b""))

    def render() -> bytes:
        templates = request.app.state.templates
        full = {"request": request, "locale": locale, "elder": elder, "current_user": None,
                "current_path": request.url.path,
                "page_links": lambda: page_links(request, locale),
                **(context() if callable(context) else context),
                "csrf_token": lambda: slot("csrf"),
                **{slot_name: slot(slot_name) for slot_name in slots}}
        token = current_locale.set(locale)
        try:
            return templates.env.get_template(name).render(full).encode()
        finally:
            current_locale.reset(token)

    body = request.app.state.slotted_pages.body(key, sources, render)
    for slot_name, make in {"csrf": lambda: csrf_token(request), **slots}.items():
        marker = slot(slot_name).encode()
        if marker in body:  # a page without a form sets no CSRF cookie
            body = body.replace(marker, make().encode())
    return HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
