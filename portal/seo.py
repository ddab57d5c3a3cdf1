"""Found and shared: canonical and language-alternate addresses of a page, from BASE_URL.

The language of a page is normally the reader's cookie; `?lang=en` picks it for one
request (see `LocaleMiddleware`), which gives each language version its own address
for `hreflang` and `canonical`. Addresses are built from the configured BASE_URL, never
from the Host header, which a client controls.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

from portal.i18n import html_lang

LANG_PARAM = "lang"
# Pages no crawler should index (and robots.txt disallows): staff, case and form pages.
NOT_INDEXED = ("/staff", "/track", "/submit", "/receipt", "/lang/")


@dataclass(frozen=True)
class PageLinks:
    canonical: str
    alternates: list[tuple[str, str]]  # (hreflang, absolute URL)
    x_default: str
    indexable: bool
    here: str  # this page for the language switch (no query on private pages)


def page_links(request: Request, locale: str) -> PageLinks:
    """The page's canonical URL in `locale` and its URL in every offered language."""
    settings = request.app.state.settings
    base = settings.base_url.rstrip("/")
    path = request.url.path
    params = [(k, v) for k, v in parse_qsl(request.url.query) if k != LANG_PARAM]
    indexable = not path.startswith(NOT_INDEXED)

    def url(code: str) -> str:
        query = params + ([(LANG_PARAM, code)] if code != settings.default_locale else [])
        return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")

    here = path + (f"?{urlencode(params)}" if params and indexable else "")
    return PageLinks(canonical=url(locale),
                     alternates=[(html_lang(code), url(code)) for code in settings.locales],
                     x_default=url(settings.default_locale), indexable=indexable, here=here)
