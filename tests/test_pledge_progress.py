"""Pledge progress (为民承诺): press staff add dated entries (text, percentage, optional
announcement); the public page shows a timeline and the latest entry's percentage."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from moderation.audit import AuditEvent
from moderation.roles import Role
from portal.content.models import Announcement, Pledge, PledgeStatus, PledgeUpdate
from portal.demo import load_demo
from tests.conftest import form_fields, login, page


@pytest.fixture
def pledge(db, clock, client, make_user) -> Pledge:  # type: ignore[no-untyped-def]
    load_demo(db, clock)
    db.commit()
    make_user(Role.press)
    login(client, "press1")
    return db.exec(select(Pledge).order_by(Pledge.position)).first()


def add(client: Any, pledge: Pledge, **changes: str) -> Any:
    url = f"/staff/campaign/pledges/{pledge.id}/progress"
    fields = form_fields(client.get(url), "form.press-form")
    return client.post(url, data={**fields, **changes})


def public_pledge(client: Any, pledge: Pledge) -> Any:
    html = page(client.get("/pledges"))
    return html.select_one(f"#pledge-progress-{pledge.id}").find_parent("li")


def test_entries_make_a_timeline_and_the_latest_sets_the_percentage(client, db, pledge) -> None:
    announcement = db.exec(select(Announcement).order_by(Announcement.id)).first()
    before = db.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == pledge.id)).all()
    bad = add(client, pledge, happened_on="2026-13-01", progress="150", note_zh_CN="")
    assert bad.status_code == 422
    shown = page(bad)
    assert {a["href"] for a in shown.select(".error-summary a")} == {
        "#f-happened_on", "#f-progress", "#f-note_zh_CN"}
    assert shown.select_one("#f-progress")["value"] == "150"  # what was typed comes back
    assert add(client, pledge, happened_on="2099-05-01", progress="40",
               note_zh_CN="窗口延时服务覆盖全部派出所", note_en="Extended hours everywhere",
               announcement_id=str(announcement.id)).status_code == 303
    # An entry dated earlier is history: it does not change the percentage shown.
    assert add(client, pledge, happened_on="2099-04-01", progress="90",
               note_zh_CN="早前的记录").status_code == 303
    item = public_pledge(client, pledge)
    assert item.select_one("progress")["value"] == "40"
    days = [t["datetime"] for t in item.select(".pledge-timeline time")]
    assert days[:2] == ["2099-05-01", "2099-04-01"]
    assert len(days) == len(before) + 2
    newest = item.select_one(".pledge-timeline li")
    assert newest.select_one("a")["href"] == f"/announcements/{announcement.id}"
    assert "窗口延时服务覆盖全部派出所" in newest.get_text()
    assert add(client, pledge, happened_on="2099-06-01", progress="100",
               note_zh_CN="全部完成").status_code == 303
    db.expire_all()
    done = db.get(Pledge, pledge.id)
    assert (done.progress, done.status) == (100, PledgeStatus.fulfilled)
    assert public_pledge(client, pledge).select_one("progress")["value"] == "100"
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "pledge.progress")).all()
    assert len(events) == 3


def test_an_unknown_announcement_is_refused_with_the_form_kept(client, pledge) -> None:
    refused = add(client, pledge, happened_on="2099-05-01", progress="30",
                  note_zh_CN="保留的文字", announcement_id="999999")
    assert refused.status_code == 422
    assert page(refused).select_one("#f-announcement_id-error") is not None
    assert page(refused).select_one("#f-note_zh_CN").get_text() == "保留的文字"
    junk = add(client, pledge, happened_on="2099-05-01", progress="30", note_zh_CN="x",
               announcement_id="abc")
    assert junk.status_code == 422
