"""The leaders' dashboard per unit: with a unit and period filter its figures match the
queue's own lists for the same filter (each figure links to that list), and a weekly
trend is drawn as SVG with a table."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from moderation.intake.models import CaseRating, Outcome, Rating, SubmissionState
from moderation.roles import Role
from tests.conftest import login, page
from tests.queue_support import NOW, add_submission, add_unit
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

S = SubmissionState


def figures(row) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {name: int(row.select_one(f".fig-{name}").get_text(strip=True))
            for name in ("received", "accepted", "concluded", "overdue")}


def listed(client, url: str) -> int:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return len(page(response).select("a.case-link"))


def test_unit_figures_match_the_queue_for_the_same_filter(  # type: ignore[no-untyped-def]
        client, db: Session, make_user) -> None:
    police, court = add_unit(db, "police"), add_unit(db, "court")
    make_user(Role.leader)
    past = NOW - timedelta(days=20)
    add_submission(db, "派出所拖延办理户口一", unit_concerned_id=police.id, received_at=past,
                   decision_due_on=date(2026, 5, 20))  # overdue for a decision
    add_submission(db, "派出所拖延办理户口二", unit_concerned_id=police.id,
                   received_at=NOW - timedelta(days=3))
    done = add_submission(db, "派出所索要好处费", unit_concerned_id=police.id,
                          responsible_unit_id=court.id, state=S.concluded,
                          outcome=Outcome.substantiated, concluded_at=NOW,
                          received_at=NOW - timedelta(days=10))
    add_submission(db, "派出所受理后核查中", unit_concerned_id=police.id,
                   responsible_unit_id=court.id, state=S.verifying,
                   received_at=NOW - timedelta(days=9), handling_due_on=date(2026, 7, 1))
    add_submission(db, "派出所很早以前的事", unit_concerned_id=police.id,
                   received_at=NOW - timedelta(days=90))  # outside the period
    add_submission(db, "法院立案窗口态度差", unit_concerned_id=court.id,
                   received_at=NOW - timedelta(days=2))  # another unit
    db.add(CaseRating(submission_id=done.id, rating=Rating.mostly, created_at=NOW))
    db.commit()
    login(client, "leader1")
    query = f"unit={police.id}&from=2026-05-01&to=2026-06-01"
    response = client.get(f"/staff/leaders?{query}")
    assert response.status_code == 200
    html = page(response)
    total = html.select_one("tr.unit-total")
    shown = figures(total)
    assert shown == {"received": 4, "accepted": 2, "concluded": 1, "overdue": 1}
    # The same figures from the queue's own lists, for the same filter.
    assert listed(client, f"/staff/queue?{query}") == shown["received"]
    assert listed(client, f"/staff/queue?{query}&state=concluded") == shown["concluded"]
    assert listed(client, f"/staff/queue?{query}&tab=overdue") == shown["overdue"]
    assert sum(listed(client, f"/staff/queue?{query}&state={s}")
               for s in ("accepted", "verifying", "concluded")) == shown["accepted"]
    # Each unit row is what the queue lists for that unit too (a lead about the police
    # verified by the court counts for both), and links to that list.
    rows = html.select("tr.unit-row")
    by_name = {r.select_one(".card-title").get_text(): figures(r) for r in rows}
    assert by_name == {"police": shown, "court": {"received": 2, "accepted": 2,
                                                   "concluded": 1, "overdue": 0}}
    links = [(r.select_one(".fig-received a"), figures(r)) for r in rows]
    assert [shown for link, shown in links if link] == [by_name["police"]]  # the filter's
    for link, row_figures in links:
        if link:
            assert listed(client, link["href"]) == row_figures["received"]
    unfiltered = page(client.get("/staff/leaders?from=2026-05-01&to=2026-06-01"))
    for row in unfiltered.select("tr.unit-row"):
        link = row.select_one(".fig-received a")
        if link:
            assert listed(client, link["href"]) == figures(row)["received"]
    court_row = next(r for r in rows if "court" in r.get_text())
    assert "100.0%" in court_row.get_text()  # one concluded, substantiated; rated "mostly"
    # The weekly trend: an SVG chart and its table, every received item counted once.
    assert html.select_one("svg#unit-trend-title, svg [id='unit-trend-title']") is not None
    trend = [int(tr.select("td")[0].get_text()) for tr in html.select("#trend-table tbody tr")]
    assert sum(trend) == shown["received"]


def test_bad_filter_is_a_422_with_the_form_kept(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.leader)
    login(client, "leader1")
    response = client.get("/staff/leaders?from=2026-06-10&to=2026-06-01&unit=abc")
    assert response.status_code == 422
    assert page(response).select_one("#f-lf-from")["value"] == "2026-06-10"
