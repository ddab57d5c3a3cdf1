"""Markdown to safe HTML: CommonMark with raw HTML off, then a bleach allowlist.

Every HTML fragment the portal shows from staff-written Markdown comes from
`render_markdown` (or is re-cleaned by `clean_html`), so templates may mark it safe.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

MEDIA_PREFIX = "/media/"

ALLOWED_TAGS = frozenset({
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code",
    "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "img",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def _same_site_media(value: str) -> bool:
    # Only our own uploads: no scheme, no other host, no climbing out of /media/.
    return value.startswith(MEDIA_PREFIX) and "//" not in value and ".." not in value \
        and "\\" not in value


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in ("href", "title")
    if tag == "img":
        return name == "alt" or (name == "src" and _same_site_media(value))
    return False


def _add_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str]:
    attrs[(None, "rel")] = LINK_REL
    return attrs


@cache
def _cleaner() -> bleach.sanitizer.Cleaner:
    return bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[_add_rel], skip_tags=["pre", "code"],
                         parse_email=False)],
    )


def _heading_tag(token: Token) -> str:
    # The page title is the h1; body headings start at h2 and stop at h4.
    level = min(int(token.tag[1]) + 1, 4)
    return f"h{level}"


class _Renderer(RendererHTML):
    def heading_open(self, tokens: list[Token], idx: int, options: OptionsDict,
                     env: EnvType) -> str:
        return f"<{_heading_tag(tokens[idx])}>"

    def heading_close(self, tokens: list[Token], idx: int, options: OptionsDict,
                      env: EnvType) -> str:
        return f"</{_heading_tag(tokens[idx])}>\n"

    def image(self, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children or [], options, env)
        src = str(token.attrGet("src") or "")
        if not _same_site_media(src):
            # A picture from elsewhere would leak readers to another host: show its text.
            return str(escape(alt))
        return f'<img src="{escape(src)}" alt="{escape(alt)}">'


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}, renderer_cls=_Renderer).enable("table")


def sanitize_html(html: str) -> str:
    """HTML reduced to the allowlist (idempotent: cleaning clean HTML changes nothing)."""
    return _cleaner().clean(str(html or ""))


def clean_html(html: str) -> Markup:
    """Run HTML through the allowlist; the result is safe to put in a page."""
    return Markup(sanitize_html(html))  # noqa: S704 - sanitised by the allowlist above


def render_markdown(text: str | None) -> Markup:
    """Render staff-written Markdown to sanitised HTML (raw HTML in the source is escaped)."""
    if not text:
        return Markup("")
    return clean_html(_parser().render(text))
