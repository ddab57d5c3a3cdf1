"""Machine-readable views: the Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from moderation.replies.models import PublicReply
from moderation.replies.queries import latest_replies, published_reply_stamps
from moderation.sqltypes import pick
from portal.content.markdown import clean_html
from portal.content.models import Announcement
from portal.content.queries import (
    all_public_announcements,
    current_campaign,
    feed_announcements,
)
from portal.i18n import html_lang
from portal.labels import label
from portal.ledger.public import public_item_stamps
from portal.locale_context import gettext as _
from portal.seo import NOT_INDEXED
from portal.web import db_session, now

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PUBLIC_PAGES = ("/", "/pledges", "/announcements", "/replies", "/how-to-report", "/ledger",
                "/statistics")
FEED_REPLIES = 20
# Paths a crawler has no business with: staff area, citizens' case pages, the language switch.
ROBOTS_DISALLOW = NOT_INDEXED
# Characters XML 1.0 forbids; they must never reach the feed or the sitemap.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str | None) -> str:
    """Text with the characters XML cannot carry removed."""
    return _XML_INVALID.sub("", value or "")


def _base(request: Request) -> str:
    return request.app.state.settings.base_url


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _changed(item: Announcement) -> datetime:
    return max(t for t in (item.updated_at, item.publish_at) if t is not None)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


def _xml(root: ET.Element, media_type: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=media_type)


def atom_feed(request: Request) -> Response:
    """Atom 1.0 feed of the public announcements, in the request's language."""
    locale = request.state.locale
    fallback = request.app.state.settings.default_locale
    base = _base(request)
    moment = now(request)
    with db_session(request) as db:
        campaign = current_campaign(db)
        items = feed_announcements(db, moment)
        replies = latest_replies(db, FEED_REPLIES)

    def text(value: dict[str, str] | None) -> str:
        return pick(value, locale, fallback)

    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": html_lang(locale)})
    title = text(campaign.name) if campaign else _("Minsheng")
    _sub(feed, "title", f"{title} · {_('Announcements')}")
    if campaign and text(campaign.tagline):
        _sub(feed, "subtitle", text(campaign.tagline))
    _sub(feed, "id", f"{base}/feed.atom")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{base}/feed.atom")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/announcements")
    stamps = [*(_changed(i) for i in items), *(r.updated_at for r in replies)]
    updated = max(stamps, default=campaign.updated_at if campaign else None)
    _sub(feed, "updated", _stamp(updated or moment))
    author = _sub(feed, "author")
    _sub(author, "name", title)
    for item in items:
        url = f"{base}/announcements/{item.id}"
        entry = _sub(feed, "entry")
        entry.set("data-order", _stamp(item.publish_at or moment))
        _sub(entry, "title", text(item.title))
        _sub(entry, "id", url)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        assert item.publish_at is not None  # public announcements always have one
        _sub(entry, "published", _stamp(item.publish_at))
        _sub(entry, "updated", _stamp(_changed(item)))
        _sub(entry, "category", term=item.category.value, label=label(item.category))
        if text(item.summary):
            _sub(entry, "summary", text(item.summary))
        # type="html": the sanitised markup travels escaped, as the spec requires.
        _sub(entry, "content", str(clean_html(text(item.body_html))), type="html")
    for reply in replies:
        _reply_entry(feed, base, reply)
    _newest_first(feed)
    return _xml(feed, "application/atom+xml")


def _reply_entry(feed: ET.Element, base: str, reply: PublicReply) -> None:
    """A published reply: the staff's summary and the reply, never the citizen's words."""
    assert reply.published_at is not None
    url = f"{base}/replies/{reply.id}"
    entry = _sub(feed, "entry")
    entry.set("data-order", _stamp(reply.published_at))
    _sub(entry, "title", f"{_('Public reply')}: {reply.summary[:60]}")
    _sub(entry, "id", url)
    _sub(entry, "link", rel="alternate", type="text/html", href=url)
    _sub(entry, "published", _stamp(reply.published_at))
    _sub(entry, "updated", _stamp(reply.updated_at))
    _sub(entry, "category", term="public_reply", label=_("Public replies"))
    paragraphs = (escape(xml_text(part)).replace("\n", "<br>")
                  for part in (reply.summary, reply.reply))
    _sub(entry, "content", "".join(f"<p>{p}</p>" for p in paragraphs), type="html")


def _newest_first(feed: ET.Element) -> None:
    """Announcements and replies in one order, newest publication first."""
    entries = feed.findall("entry")
    for entry in entries:
        feed.remove(entry)
    for entry in sorted(entries, key=lambda e: e.attrib.pop("data-order"), reverse=True):
        feed.append(entry)


def sitemap(request: Request) -> Response:
    """sitemap.xml: the public pages and every public announcement."""
    base = _base(request)
    with db_session(request) as db:
        items = all_public_announcements(db, now(request))
        ledger_items = public_item_stamps(db)
        reply_items = published_reply_stamps(db)
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path in PUBLIC_PAGES:
        _sub(_sub(urlset, "url"), "loc", f"{base}{path}")
    for item in items:
        url = _sub(urlset, "url")
        _sub(url, "loc", f"{base}/announcements/{item.id}")
        _sub(url, "lastmod", _stamp(_changed(item)))
    for prefix, stamps in (("ledger", ledger_items), ("replies", reply_items)):
        for item_id, updated_at in stamps:
            url = _sub(urlset, "url")
            _sub(url, "loc", f"{base}/{prefix}/{item_id}")
            _sub(url, "lastmod", _stamp(updated_at))
    return _xml(urlset, "application/xml")


def robots(request: Request) -> Response:
    """robots.txt: keep crawlers out of staff and case pages."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW),
             f"Sitemap: {_base(request)}/sitemap.xml", ""]
    return PlainTextResponse("\n".join(lines))
