"""Press staff edit the campaign's texts, tasks, stages, headline figures and pledges."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from moderation.audit import AuditEvent
from moderation.roles import Role
from moderation.units import Unit, UnitKind
from portal.content.models import (
    Campaign,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
    PledgeStatus,
)
from tests.conftest import csrf_from, form_fields, page
from tests.test_press_announcements import sign_in  # noqa: F401 - a fixture

EN = {"Accept-Language": "en"}


@pytest.fixture
def press(sign_in):  # type: ignore[no-untyped-def]  # noqa: F811
    return sign_in(Role.press)


@pytest.fixture
def campaign(db) -> Campaign:  # type: ignore[no-untyped-def]
    row = Campaign(slug="demo", name={"zh_CN": "教育整顿", "en": "Education drive"},
                   hotline_phone="12337")
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def post_form(client, url: str, **changes: str):  # type: ignore[no-untyped-def]
    """Open the form at `url`, change some fields, send it."""
    form = client.get(url, headers=EN)
    assert form.status_code == 200
    fields = form_fields(form, "form.press-form")
    fields.update(changes, csrf_token=csrf_from(form))
    return client.post(url, data=fields, headers=EN)


def events(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_first_save_creates_the_campaign(client, db, press) -> None:
    overview = page(client.get("/staff/campaign", headers=EN))
    assert overview.select_one("a[href='/staff/campaign/texts']") is not None
    response = post_form(client, "/staff/campaign/texts", name_zh_CN="新活动",
                         hotline_phone="12337", email="jb@example.org",
                         starts_on="2021-03-01", ends_on="2021-06-30")
    assert response.status_code == 303
    row = db.exec(select(Campaign)).one()
    assert row.name == {"zh_CN": "新活动"}
    assert (row.starts_on, row.ends_on) == (date(2021, 3, 1), date(2021, 6, 30))
    assert len(events(db, "campaign.create")) == 1


def test_texts_update_is_audited_with_before_and_after(client, db, campaign, press) -> None:
    response = post_form(client, "/staff/campaign/texts", name_en="Rectification drive",
                         how_to_report_zh_CN="拨打 **12337**。")
    assert response.status_code == 303
    db.expire_all()
    row = db.get(Campaign, campaign.id)
    assert row.name["en"] == "Rectification drive"
    assert row.version == 2
    assert row.how_to_report["zh_CN"] == "拨打 **12337**。"
    (event,) = events(db, "campaign.update")
    assert event.before["name"]["en"] == "Education drive"
    assert event.after["name"]["en"] == "Rectification drive"


def test_texts_stale_version_is_409_and_keeps_text(client, db, campaign, press) -> None:
    form = client.get("/staff/campaign/texts", headers=EN)
    fields = form_fields(form, "form.press-form")
    campaign.version = 5  # someone else saved meanwhile
    db.add(campaign)
    db.commit()
    fields.update(tagline_en="My tagline", csrf_token=csrf_from(form))
    response = client.post("/staff/campaign/texts", data=fields, headers=EN)
    assert response.status_code == 409
    assert form_fields(response, "form.press-form")["tagline_en"] == "My tagline"
    assert events(db, "campaign.update") == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"email": "not-an-address"}, "email"),
    ({"starts_on": "2021-02-30"}, "starts_on"),
    ({"starts_on": "2021-06-01", "ends_on": "2021-05-01"}, "ends_on"),
    ({"name_zh_CN": ""}, "name_zh_CN"),
    ({"tagline_en": "x" * 301}, "tagline_en"),
    ({"hotline_phone": "call <me>"}, "hotline_phone"),
])
def test_texts_bad_input_is_422_and_refilled(client, db, campaign, press, changes,
                                             field) -> None:
    response = post_form(client, "/staff/campaign/texts", intro_en="Keep me", **changes)
    assert response.status_code == 422
    soup = page(response)
    assert soup.select_one(f"#f-{field}-error").text.strip()
    assert "f-" + field + "-error" in soup.select_one(f"#f-{field}")["aria-describedby"]
    assert form_fields(response, "form.press-form")["intro_en"] == "Keep me"
    assert events(db, "campaign.update") == []


@pytest.mark.parametrize(("kind", "model", "fields"), [
    ("tasks", CampaignTask, {"title_zh_CN": "学习教育", "title_en": "Study"}),
    ("stages", CampaignStage, {"name_zh_CN": "查纠整改", "starts_on": "2021-04-01",
                               "ends_on": "2021-05-31"}),
    ("figures", HeadlineFigure, {"label_zh_CN": "意见建议", "value": "811",
                                 "suffix_zh_CN": "条", "as_of": "2021-05-20"}),
    ("pledges", Pledge, {"title_zh_CN": "限时办结", "status": "in_progress",
                         "progress": "40"}),
])
def test_rows_add_edit_delete_each_audited(client, db, campaign, press, kind, model,
                                           fields) -> None:
    table = model.__tablename__
    response = post_form(client, f"/staff/campaign/{kind}/new", **fields)
    assert response.status_code == 303
    row = db.exec(select(model)).one()
    assert row.campaign_id == campaign.id
    overview = page(client.get("/staff/campaign", headers=EN))
    link = overview.select_one(f"#{kind} a[href='/staff/campaign/{kind}/{row.id}']")
    assert link is not None
    name_field = next(k for k in fields if k.endswith("_zh_CN"))
    assert post_form(client, f"/staff/campaign/{kind}/{row.id}",
                     **{name_field: "改过"}).status_code == 303
    db.expire_all()
    assert getattr(db.get(model, row.id), name_field.removesuffix("_zh_CN"))["zh_CN"] == "改过"
    edit = client.get(f"/staff/campaign/{kind}/{row.id}", headers=EN)
    delete = page(edit).select_one("form.press-delete")
    response = client.post(delete["action"], data={"csrf_token": csrf_from(edit)})
    assert response.status_code == 303
    db.expire_all()
    assert db.exec(select(model)).all() == []
    assert [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.seq))] == [
        f"{table}.create", f"{table}.update", f"{table}.delete"]
    (deleted,) = events(db, f"{table}.delete")
    assert deleted.before[name_field.removesuffix("_zh_CN")]["zh_CN"] == "改过"


def test_pledge_with_unit_and_limits(client, db, campaign, press) -> None:
    unit = Unit(code="court", name={"zh_CN": "市中级人民法院"}, kind=UnitKind.court)
    db.add(unit)
    db.commit()
    form = page(client.get("/staff/campaign/pledges/new", headers=EN))
    assert [o.text for o in form.select("#f-unit_id option")] == ["None", "市中级人民法院"]
    for changes, field in (({"progress": "101"}, "progress"), ({"progress": "x"}, "progress"),
                           ({"status": "done"}, "status"), ({"unit_id": "999"}, "unit_id")):
        response = post_form(client, "/staff/campaign/pledges/new",
                             **{"title_zh_CN": "承诺", "status": "planned", **changes})
        assert response.status_code == 422, changes
        assert page(response).select_one(f"#f-{field}-error") is not None
        assert form_fields(response, "form.press-form")["title_zh_CN"] == "承诺"
    response = post_form(client, "/staff/campaign/pledges/new", title_zh_CN="承诺",
                         status="fulfilled", progress="100", unit_id=str(unit.id))
    assert response.status_code == 303
    pledge = db.exec(select(Pledge)).one()
    assert (pledge.unit_id, pledge.status, pledge.progress) == (unit.id, PledgeStatus.fulfilled,
                                                                100)
    assert pledge.updated_at is not None


def test_negative_figure_is_refused(client, db, campaign, press) -> None:
    response = post_form(client, "/staff/campaign/figures/new", label_zh_CN="场次", value="-1")
    assert response.status_code == 422
    assert page(response).select_one("#f-value-error").text == \
        "Enter a number of at least 0."
    assert db.exec(select(HeadlineFigure)).all() == []


def test_unknown_kind_or_row_is_404(client, campaign, press) -> None:
    assert client.get("/staff/campaign/secrets/new").status_code == 404
    assert client.get("/staff/campaign/tasks/999").status_code == 404
