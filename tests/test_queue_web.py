"""The queue page over HTTP: roles, tabs and counts, filters, search (two Chinese
characters), keyset pages, overdue in the queue / header counters / CSV export, taking
the next item, and bulk actions with a per-item summary."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionState
from tests.conftest import csrf_from, login, page
from tests.queue_web_support import (
    case_url,
    submit,
)
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.workflow_support import World, drive

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys, signed_in


def references(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get_text(strip=True) for a in page(response).select("a.case-link")]


def tab_counts(response) -> dict[str, int]:  # type: ignore[no-untyped-def]
    out = {}
    for link in page(response).select(".queue-tabs a"):
        tab = next(c for c in link["class"] if c.startswith("tab-")).removeprefix("tab-")
        out[tab] = int(link.select_one(".tab-count").get_text(strip=True).replace(",", ""))
    return out


def header_counters(response) -> dict[str, int]:  # type: ignore[no-untyped-def]
    out = {}
    for link in page(response).select(".queue-counters a"):
        name = next(c for c in link["class"] if c.startswith("counter-")).removeprefix(
            "counter-")
        out[name] = int(link.select_one(".counter-count").get_text(strip=True))
    return out


@pytest.mark.parametrize(("username", "status"), [
    ("mod1", 200), ("handler-v", 200), ("leader1", 200), ("admin1", 403), ("press1", 403)])
def test_queue_is_for_moderators_handlers_and_leaders(signed_in, world: World, username: str,  # type: ignore[no-untyped-def]
                                                      status: int) -> None:
    client = signed_in(username)
    assert client.get("/staff/queue").status_code == status
    export = client.get("/staff/queue/export.csv")
    assert export.status_code == (200 if username in ("mod1", "leader1") else 403)


def test_anonymous_visitor_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/staff/queue")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login?next=/staff/queue")


def test_moderator_sees_tabs_with_counts_and_the_next_item_button(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        submit(db, keys, clock, world, content=f"第{i}件：派出所民警办事拖延，群众反映强烈。")
    drive(db, clock, world, SubmissionState.verifying)
    mod = signed_in("mod1")
    response = mod.get("/staff/queue")
    assert response.status_code == 200
    assert tab_counts(response) == {"new": 3, "spam": 0, "mine": 0, "overdue": 0,
                                    "awaiting_citizen": 0, "all": 4}
    assert len(references(response)) == 4
    html = page(response)
    assert html.select_one('form[action="/staff/queue/next"]') is not None
    assert html.select_one('form[action="/staff/queue/bulk"]') is not None
    assert header_counters(response) == {"new": 3, "mine": 0, "overdue": 0}
    new_only = mod.get("/staff/queue?tab=new")
    assert len(references(new_only)) == 3
    assert page(new_only).select_one('.queue-tabs a[aria-current="page"]')["class"] == \
        ["tab-new"]


def test_handler_sees_only_their_units_leads_and_leader_is_read_only(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    routed = drive(db, clock, world, SubmissionState.accepted)
    submit(db, keys, clock, world)
    handler = signed_in("handler-v")
    response = handler.get("/staff/queue")
    assert references(response) == [routed.reference]
    assert page(response).select_one('form[action="/staff/queue/bulk"]') is None
    assert page(response).select_one(".export-link") is None
    other = signed_in("handler-a")
    assert references(other.get("/staff/queue")) == []
    leader = signed_in("leader1")
    html = page(leader.get("/staff/queue"))
    assert len(html.select("a.case-link")) == 2
    assert html.select_one('form[action="/staff/queue/next"]') is None
    assert html.select_one(".queue-counters") is None
    assert html.select_one(".export-link") is not None


def test_two_character_chinese_search_finds_the_submission(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    wanted = submit(db, keys, clock, world, content="民警在窗口索贿，要求群众先交好处费再办理。")
    submit(db, keys, clock, world, content="建议延长政务大厅的办公时间，方便上班族办事。")
    mod = signed_in("mod1")
    response = mod.get("/staff/queue", params={"q": "索贿"})
    assert response.status_code == 200
    assert references(response) == [wanted.submission.reference]
    assert page(response).select_one("#f-filter-q")["value"] == "索贿"
    assert references(mod.get("/staff/queue", params={"q": "政务"})) != \
        [wanted.submission.reference]
    assert references(mod.get("/staff/queue", params={"q": "贪污"})) == []


def test_filters_and_bad_filters(db: Session, keys: IntakeKeys, clock: FixedClock,  # type: ignore[no-untyped-def]
                                 world: World, signed_in) -> None:
    submit(db, keys, clock, world)
    verifying = drive(db, clock, world, SubmissionState.verifying)
    mod = signed_in("mod1")
    assert references(mod.get("/staff/queue?state=verifying")) == [verifying.reference]
    assert references(mod.get(f"/staff/queue?unit={world.verifier.id}")) == \
        [verifying.reference]
    bad = mod.get("/staff/queue?kind=bogus&from=2026-06-02&to=2026-06-01&q=kept")
    assert bad.status_code == 422
    html = page(bad)
    assert html.select_one("#f-filter-kind-error") is not None
    assert html.select_one("#f-filter-kind")["aria-invalid"] == "true"
    assert html.select_one("#f-filter-q")["value"] == "kept"
    range_error = mod.get("/staff/queue?from=2026-06-02&to=2026-06-01")
    assert range_error.status_code == 422
    assert page(range_error).select_one("#f-filter-from-error") is not None
    assert mod.get("/staff/queue?after=garbage!!").status_code == 422


def test_keyset_pages_follow_the_cursor_without_repeats(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    for i in range(30):
        clock.advance(hours=1)
        submit(db, keys, clock, world, content=f"第{i}件线索：民警办事拖延，群众多次往返。")
    mod = signed_in("mod1")
    first = mod.get("/staff/queue?sort=received&order=asc")
    seen = references(first)
    assert len(seen) == 25
    assert page(first).select_one("a.first-page") is None
    next_link = page(first).select_one("a.next-page")["href"]
    assert "after=" in next_link
    assert "sort=received" in next_link
    second = mod.get(next_link)
    rest = references(second)
    assert len(rest) == 5
    assert not set(seen) & set(rest)
    assert page(second).select_one("a.next-page") is None
    assert page(second).select_one("a.first-page") is not None
    in_order = list(db.exec(select(Submission.reference).order_by(
        col(Submission.received_at), col(Submission.id))).all())
    assert seen + rest == in_order
    by_due = mod.get("/staff/queue?sort=due&order=asc")
    assert len(references(by_due)) == 25


def test_overdue_after_15_days_in_queue_counters_and_export(
        db: Session, keys: IntakeKeys, clock: FixedClock, world: World, signed_in) -> None:  # type: ignore[no-untyped-def]
    undecided = [submit(db, keys, clock, world).submission.reference for _ in range(2)]
    handled = drive(db, clock, world, SubmissionState.verifying)
    clock.advance(days=16)
    mod = signed_in("mod1")
    response = mod.get("/staff/queue")
    overdue_rows = {row["data-reference"] for row in page(response).select("tr.is-overdue")}
    assert overdue_rows == set(undecided)
    assert all(row.select_one(".overdue-badge") for row in page(response).select(
        "tr.is-overdue"))
    assert tab_counts(response)["overdue"] == 2
    assert header_counters(response)["overdue"] == 2
    assert set(references(mod.get("/staff/queue?tab=overdue"))) == set(undecided)
    export = mod.get("/staff/queue/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith("attachment; filename=")
    assert export.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    overdue = {row["reference"]: row["overdue"] for row in rows}
    assert overdue == {undecided[0]: "yes", undecided[1]: "yes", handled.reference: "no"}
    # The leader's export has the same flags, and neither carries identity fields.
    leader_rows = signed_in("leader1").get("/staff/queue/export.csv?tab=overdue").text
    assert set(csv.DictReader(io.StringIO(leader_rows.lstrip("\ufeff"))).fieldnames or []) \
        .isdisjoint({"name", "phone", "email", "contact", "anonymous", "content"})
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "queue.export")).all()


def test_take_the_next_item_claims_the_oldest(db: Session, keys: IntakeKeys,  # type: ignore[no-untyped-def]
                                              clock: FixedClock, world: World,
                                              signed_in) -> None:
    oldest = submit(db, keys, clock, world).submission
    clock.advance(hours=2)
    submit(db, keys, clock, world, content="另一件：民警执法态度粗暴，辱骂群众。")
    mod = signed_in("mod1")
    token = csrf_from(mod.get("/staff/queue"))
    taken = mod.post("/staff/queue/next", data={"csrf_token": token})
    assert taken.status_code == 303
    assert taken.headers["location"] == f"{case_url(oldest.reference)}?done=claim"
    db.expire_all()
    row = db.get(Submission, oldest.id)
    assert (row.state, row.claimed_by_id) == (SubmissionState.in_review, world.moderator.id)
    mod.post("/staff/queue/next", data={"csrf_token": token})
    none_left = mod.post("/staff/queue/next", data={"csrf_token": token})
    assert none_left.headers["location"] == "/staff/queue?tab=new&none=1"
    assert page(mod.get(none_left.headers["location"])).select_one("p.flash") is not None
    assert header_counters(mod.get("/staff/queue"))["mine"] == 2


def test_bulk_reject_as_spam_reports_each_item(db: Session, keys: IntakeKeys,  # type: ignore[no-untyped-def]
                                               clock: FixedClock, world: World,
                                               signed_in) -> None:
    ads = [f"广告{i}：低价出售发票，联系电话略。" for i in range(3)]
    subs = [submit(db, keys, clock, world, content=ad).submission for ad in ads]
    mod = signed_in("mod1")
    listing = mod.get("/staff/queue")
    boxes = {box["value"] for box in page(listing).select("input[name=item]")}
    assert boxes == {f"{s.id}:{s.version}" for s in subs}
    stale = f"{subs[2].id}:{subs[2].version + 5}"
    response = mod.post("/staff/queue/bulk", data={
        "csrf_token": csrf_from(listing), "bulk_action": "reject_spam",
        "public_reply": "无法受理：内容不属于举报或建议。",
        "item": [f"{subs[0].id}:{subs[0].version}", f"{subs[1].id}:{subs[1].version}", stale]})
    assert response.status_code == 200
    rows = page(response).select(".bulk-results tbody tr")
    assert [r["class"] for r in rows] == [["is-done"], ["is-done"], ["is-refused"]]
    assert rows[2].select_one("a").get_text() == subs[2].reference
    db.expire_all()
    assert [db.get(Submission, s.id).state for s in subs] == [
        SubmissionState.rejected, SubmissionState.rejected, SubmissionState.new]
    assert len(db.exec(select(AuditEvent).where(
        AuditEvent.action == "submission.reject")).all()) == 2
    assert verify(db) == []
    empty = mod.post("/staff/queue/bulk", data={"csrf_token": csrf_from(listing),
                                                "bulk_action": "reject_spam"})
    assert empty.status_code == 422


def test_bulk_set_unit(db: Session, keys: IntakeKeys, clock: FixedClock, world: World,  # type: ignore[no-untyped-def]
                       signed_in) -> None:
    subs = [submit(db, keys, clock, world, content=f"第{i}件：民警执法不规范。").submission
            for i in range(2)]
    mod = signed_in("mod1")
    listing = mod.get("/staff/queue")
    response = mod.post("/staff/queue/bulk", data={
        "csrf_token": csrf_from(listing), "bulk_action": "set_unit",
        "unit_concerned_id": str(world.child.id),
        "item": [f"{s.id}:{s.version}" for s in subs]})
    assert response.status_code == 200
    assert len(page(response).select(".bulk-results tr.is-done")) == 2
    db.expire_all()
    assert {db.get(Submission, s.id).unit_concerned_id for s in subs} == {world.child.id}


def test_handler_and_leader_cannot_bulk_or_take(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    for username in ("handler-v", "leader1"):
        client = signed_in(username)
        token = csrf_from(client.get("/staff/account"))
        assert client.post("/staff/queue/bulk", data={"csrf_token": token}).status_code == 403
        assert client.post("/staff/queue/next", data={"csrf_token": token}).status_code == 403


def test_public_pages_carry_no_counters(client: TestClient, world: World) -> None:
    login(client, "mod1")
    assert page(client.get("/")).select_one(".queue-counters") is None
    assert page(client.get("/staff/")).select_one(".queue-counters") is not None
    assert page(client.get("/staff/")).select_one('main a[href="/staff/queue"]') is not None
