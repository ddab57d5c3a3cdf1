"""The admin's retention form and the public privacy page that publishes it."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.audit import AuditEvent
from moderation.retention import policy_of
from moderation.roles import Role
from tests.conftest import form_fields, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

SELECTOR = "form[action=\"/staff/admin/retention\"]"


def test_admin_sets_the_policy_and_the_privacy_page_publishes_it(
        client: TestClient, db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    client.headers["Accept-Language"] = "en"
    before = page(client.get("/privacy"))
    periods = {th.get_text(strip=True): td.get_text(strip=True)
               for th, td in ((tr.th, tr.td) for tr in before.select("table tbody tr"))}
    assert periods["Rejected as spam"] == "365 days"
    assert before.select_one('footer a[href="/privacy"]') is not None

    make_user(Role.admin)
    login(client, "admin1")
    form = client.get("/staff/admin/retention")
    assert form.status_code == 200
    fields = form_fields(form, SELECTOR)
    assert fields["concluded_days"] == "1825"
    bad = client.post("/staff/admin/retention", data={**fields, "spam_days": "1年",
                                                      "rejected_days": "400"})
    assert bad.status_code == 422
    refilled = form_fields(bad, SELECTOR)
    assert (refilled["spam_days"], refilled["rejected_days"]) == ("1年", "400")
    assert page(bad).select_one("#f-spam_days-error") is not None
    saved = client.post("/staff/admin/retention", data={**fields, "spam_days": "180"})
    assert saved.status_code == 303
    db.expire_all()
    assert policy_of(db).spam_days == 180
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "retention.policy")).one()
    assert audit.after["spam_days"] == "180"
    after = page(client.get("/privacy"))
    assert "180 days" in after.select_one("table").get_text()


def test_only_admins_set_the_policy(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.moderator)
    login(client, "moderator1")
    assert client.get("/staff/admin/retention").status_code in (403, 404)
    zh = page(client.get("/privacy", headers={"Accept-Language": "zh-CN"}))
    assert zh.select_one("h1").get_text(strip=True) == "隐私说明与保存期限"
