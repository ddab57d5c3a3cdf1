"""Acceptance 4: public pages never show internal items, internal notes, identity
fields, staff names or counts under 5.

Marker values are planted in everything that must stay inside (internal items and
entries, descriptions, evidence, verifier and review notes, a real-name reporter's
contact details and text, staff names), then every public GET page is fetched in both
languages and searched for them; statistics are checked for counts under 5.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlmodel import select
from starlette.routing import Route

from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from moderation.ledger.cases import link_case
from moderation.ledger.evidence import store_evidence
from moderation.ledger.items import change_status
from moderation.ledger.models import LedgerItem, LedgerStatus, LookBackResult
from moderation.ledger.review import record_lookback, schedule_lookback, verify
from moderation.ledger.timeline import add_entry, attach_evidence
from moderation.roles import Actor, Role
from moderation.units import Unit
from portal.app import all_routes
from portal.content.models import Announcement
from portal.content.queries import all_public_announcements
from portal.demo import load_demo
from tests.conftest import page
from tests.ledger_support import make_item

MARKERS = {
    "internal item": "MKR-INTERNAL-ITEM",
    "internal summary": "MKR-INTERNAL-SUMMARY",
    "description": "MKR-DESCRIPTION",
    "internal note": "MKR-INTERNAL-NOTE",
    "evidence name": "MKR-EVIDENCE",
    "verifier": "MKR-VERIFIER",
    "verification note": "MKR-VERIFY-NOTE",
    "look-back note": "MKR-HELD-NOTE",
    "lead official": "MKR-LEAD-OFFICIAL",
    "reporter name": "MKR-REPORTER-NAME",
    "reporter phone": "13912345678",
    "reporter text": "MKR-REPORT-TEXT",
    "staff name": "MKR-STAFF-NAME",
    "staff username": "mkrstaffuser",
}
PRIVATE_PREFIXES = ("/staff", "/track/", "/lang/", "/media/", "/static")


@pytest.fixture
def planted(db, clock, settings, make_user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The demo campaign plus internal data carrying the markers."""
    load_demo(db, clock=clock)
    db.commit()
    user = make_user(Role.moderator, username=MARKERS["staff username"])
    user.display_name = MARKERS["staff name"]
    db.add(user)
    db.commit()
    staff = Actor(id=user.id, label=user.username, role=Role.moderator)
    unit = db.exec(select(Unit).order_by(Unit.id)).first()
    internal = make_item(db, clock, unit, MARKERS["internal item"], public=False,
                         public_summary={"zh_CN": MARKERS["internal summary"]})
    public = make_item(db, clock, unit, "公开事项", public=True,
                       description={"zh_CN": MARKERS["description"],
                                    "en": MARKERS["description"]},
                       lead_official=MARKERS["lead official"])
    entry = add_entry(db, staff, public.id, happened_on=date(2026, 5, 2),
                      body={"zh_CN": MARKERS["internal note"], "en": MARKERS["internal note"]},
                      public=False, clock=clock)
    shown = add_entry(db, staff, public.id, happened_on=date(2026, 5, 3),
                      body={"zh_CN": "公开进展"}, public=True, clock=clock)
    for row in (entry, shown):
        stored = store_evidence(settings.upload_dir, f"{row.id}\n".encode(),
                                f"{MARKERS['evidence name']}-{row.id}.txt")
        attach_evidence(db, staff, row.id, stored, clock=clock)
    change_status(db, staff, public.id, LedgerStatus.rectified, version=None, clock=clock)
    verify(db, staff, public.id, verifier=MARKERS["verifier"], verified_on=date(2026, 5, 4),
           result="passed", note={"zh_CN": MARKERS["verification note"]}, version=None,
           clock=clock)
    lookback = schedule_lookback(db, staff, public.id, scheduled_on=date(2026, 5, 20),
                                 clock=clock)
    record_lookback(db, staff, lookback.id, done_on=date(2026, 5, 20),
                    result=LookBackResult.held,
                    note={"zh_CN": MARKERS["look-back note"]}, version=None, clock=clock)
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    named = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content=f"{MARKERS['reporter text']} 派出所民警索要好处费。", anonymous=False,
        contact=Contact(name=MARKERS["reporter name"], phone=MARKERS["reporter phone"])),
        clock=clock)
    link_case(db, staff, public.id, named.submission.id, clock=clock)
    link_case(db, staff, internal.id, named.submission.id, clock=clock)
    db.commit()
    return {"internal": internal.id, "public": public.id}


def public_urls(db, clock) -> list[str]:  # type: ignore[no-untyped-def]
    """Every public GET page: plain routes, each public item and announcement, filters."""
    urls = []
    for route in all_routes():
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        if route.path.startswith(PRIVATE_PREFIXES) or "{" in route.path:
            continue
        urls.append(route.path)
    items = db.exec(select(LedgerItem.id).where(LedgerItem.public == True))  # noqa: E712
    urls += [f"/ledger/{item_id}" for item_id in items]
    urls += [f"/announcements/{a.id}" for a in all_public_announcements(db, clock())]
    urls += ["/ledger?overdue=1", "/ledger?status=verified", "/announcements?page=2"]
    return urls


def test_public_pages_show_no_internal_marker(client, db, clock, planted) -> None:
    urls = public_urls(db, clock)
    assert {"/", "/ledger", "/statistics", "/statistics.csv", "/pledges", "/announcements",
            "/feed.atom", "/sitemap.xml", f"/ledger/{planted['public']}"} <= set(urls)
    assert db.exec(select(Announcement)).first() is not None
    for language in ("zh_CN", "en"):
        client.get(f"/lang/{language}?next=/")
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, url
            text = response.text
            found = [name for name, marker in MARKERS.items() if marker in text]
            assert not found, f"{url} ({language}) shows {found}"
            assert f"/ledger/{planted['internal']}\"" not in text, url
    # The internal item does not exist for the public, in any language.
    assert client.get(f"/ledger/{planted['internal']}").status_code == 404


def test_the_public_item_shows_only_what_is_public(client, planted) -> None:
    html = page(client.get(f"/ledger/{planted['public']}"))
    assert [p.get_text() for p in html.select(".ledger-entry-body")] == ["公开进展"]
    verification = html.select_one("[aria-labelledby=verification-title]").get_text()
    assert "2026" in verification  # the date, and the office: never a person
    reports = html.select_one("[aria-labelledby=reports-title]").get_text()
    assert "<5" in reports  # one linked case, shown as a suppressed count
    assert not re.search(r"\b1\b", reports)


def small_numbers(cells: list[str]) -> list[str]:
    return [c for c in cells if re.fullmatch(r"[0-4]", c)]


def test_counts_under_five_are_never_published(client, planted) -> None:
    """Counts of citizens' submissions under 5 are hidden; the ledger is public by nature
    (its items are listed one by one on /ledger), so its figures are whole."""
    html = page(client.get("/statistics"))
    submissions = html.select_one("main").find_all(
        "table", id=lambda i: i and not i.startswith("ledger"))
    cells = [td.get_text(strip=True) for table in submissions for td in table.select("td")]
    assert "<5" in cells
    assert small_numbers(cells) == []
    ledger_cells = [td.get_text(strip=True) for td in html.select("table#ledger-units td")]
    assert small_numbers(ledger_cells)  # whole figures, as /ledger shows them
    svg_values = [t.get_text(strip=True) for t in html.select(
        "svg:not([aria-labelledby^=chart-ledger]) text.chart-value")]
    assert small_numbers(svg_values) == []
    figures = [f.get_text(strip=True) for f in html.select(".figure-value")]
    assert small_numbers(figures) == []
    rows = list(csv.reader(io.StringIO(client.get("/statistics.csv").text.lstrip("\ufeff"))))
    counts = [r[3] for r in rows[1:] if not r[2].endswith("percent")
              and r[0] not in ("ledger_units", "mechanisms")]
    assert "<5" in counts
    assert small_numbers(counts) == []
