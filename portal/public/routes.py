"""Public pages of the campaign."""

from __future__ import annotations

from portal.public.announcements import announcement_detail, announcement_list
from portal.public.feeds import atom_feed, robots, sitemap
from portal.public.language import set_language
from portal.public.media import cover
from portal.public.pages import home, how_to_report, pledges
from portal.public.replies import reply_detail, reply_list
from portal.routing import route

routes = [
    route("/", home, name="home"),
    route("/pledges", pledges, name="pledges"),
    route("/how-to-report", how_to_report, name="how_to_report"),
    route("/announcements", announcement_list, name="announcements"),
    route("/announcements/{announcement_id:int}", announcement_detail, name="announcement"),
    route("/replies", reply_list, name="replies"),
    route("/replies/{reply_id:int}", reply_detail, name="reply"),
    route("/feed.atom", atom_feed, name="feed"),
    route("/sitemap.xml", sitemap, name="sitemap"),
    route("/robots.txt", robots, name="robots"),
    route("/lang/{locale}", set_language, name="set_language"),
    route("/media/covers/{name}", cover, name="cover"),
]
