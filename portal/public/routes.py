"""Public pages of the campaign."""

from __future__ import annotations

from portal.public.announcements import announcement_detail, announcement_list
from portal.public.display_mode import set_mode
from portal.public.feeds import atom_feed, robots, sitemap
from portal.public.language import set_language
from portal.public.media import cover
from portal.public.pages import home, how_to_report, pledges
from portal.public.privacy import privacy
from portal.public.replies import reply_detail, reply_list
from portal.roles import PUBLIC
from portal.routing import route

routes = [
    route("/", home, roles=PUBLIC, name="home"),
    route("/pledges", pledges, roles=PUBLIC, name="pledges"),
    route("/how-to-report", how_to_report, roles=PUBLIC, name="how_to_report"),
    route("/privacy", privacy, roles=PUBLIC, name="privacy"),
    route("/announcements", announcement_list, roles=PUBLIC, name="announcements"),
    route("/announcements/{announcement_id:int}", announcement_detail, roles=PUBLIC,
          name="announcement"),
    route("/replies", reply_list, roles=PUBLIC, name="replies"),
    route("/replies/{reply_id:int}", reply_detail, roles=PUBLIC, name="reply"),
    route("/feed.atom", atom_feed, roles=PUBLIC, name="feed"),
    route("/sitemap.xml", sitemap, roles=PUBLIC, name="sitemap"),
    route("/robots.txt", robots, roles=PUBLIC, name="robots"),
    route("/lang/{locale}", set_language, roles=PUBLIC, name="set_language"),
    route("/view/{mode}", set_mode, roles=PUBLIC, name="set_mode"),
    route("/media/covers/{name}", cover, roles=PUBLIC, name="cover"),
]
