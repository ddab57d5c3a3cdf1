"""The ledger over HTTP: public list and item pages, staff forms, reviews, case links,
roles (handlers only their unit; leaders read; press and admins nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from moderation.audit import AuditEvent
from moderation.intake.models import Outcome, SubmissionState
from moderation.ledger import messages as m
from moderation.ledger.cases import link_case
from moderation.ledger.models import (
    LedgerCategory,
    LedgerEntry,
    LedgerEvidence,
    LedgerItem,
    LedgerStatus,
)
from moderation.ledger.timeline import add_entry
from moderation.roles import Role
from portal.content.models import PledgeUpdate
from portal.demo import load_demo
from portal.i18n import translations
from tests.conftest import csrf_from, form_fields, login, page
from tests.ledger_support import STAFF, make_item, make_submission, make_unit


@pytest.fixture
def ledger(db, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Two units; a public parent with a public and an internal child; an overdue item."""
    police = make_unit(db, "LH-GA", "市公安局")
    court = make_unit(db, "LH-FY", "市中级法院")
    db.add(LedgerCategory(code="YOUAN", name={"zh_CN": "有案不立", "en": "Cases not filed"}))
    db.flush()
    category = db.exec(select(LedgerCategory)).one()
    parent = make_item(db, clock, police, "顽瘴痼疾专项整治", public=True)
    child = make_item(db, clock, police, "有案不立整治", public=True, parent_id=parent.id,
                      category_id=category.id, status=LedgerStatus.in_progress,
                      measures=[{"zh_CN": "逐案复查", "en": "Review every case"}],
                      public_summary={"zh_CN": "公开摘要", "en": "Public summary"})
    hidden = make_item(db, clock, police, "内部事项", public=False, parent_id=parent.id)
    overdue = make_item(db, clock, court, "久押不决清理", public=True,
                        deadline=date(2026, 5, 1), status=LedgerStatus.in_progress)
    db.commit()
    return {"police": police, "court": court, "category": category, "parent": parent,
            "child": child, "hidden": hidden, "overdue": overdue}


def zh(message: str) -> str:
    """A message as the default (Chinese) interface shows it."""
    return translations("zh_CN").gettext(message)


def titles(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get_text(strip=True) for a in page(response).select(".ledger-item-title a")]


# ---------------------------------------------------------------- public pages

def test_public_ledger_is_a_filtered_tree_of_public_items(client, ledger) -> None:
    response = client.get("/ledger")
    assert response.status_code == 200
    assert titles(response) == ["顽瘴痼疾专项整治", "有案不立整治", "久押不决清理"]
    html = page(response)
    # The child sits in a nested list under its parent.
    nested = html.select_one(".ledger-children")
    assert [a.get_text(strip=True) for a in nested.select(".ledger-item-title a")] == [
        "有案不立整治"]
    overdue_card = html.select_one(".ledger-item.is-overdue")
    assert overdue_card.select_one(".badge-overdue") is not None
    assert "久押不决清理" in overdue_card.get_text()
    bar = html.select_one(f"#lp-{ledger['child'].id}")
    assert bar.name == "progress"
    assert bar["value"] == "10"
    assert bar.get_text() == "10%"
    assert "内部事项" not in response.text

    court = ledger["court"].id
    assert titles(client.get(f"/ledger?unit={court}")) == ["久押不决清理"]
    assert titles(client.get("/ledger?status=in_progress")) == ["有案不立整治", "久押不决清理"]
    assert titles(client.get(f"/ledger?category={ledger['category'].id}")) == ["有案不立整治"]
    assert titles(client.get("/ledger?overdue=1")) == ["久押不决清理"]
    assert titles(client.get("/ledger?unit=x&status=bogus")) == titles(response)


def test_internal_item_is_not_found_in_public(client, ledger) -> None:
    assert client.get(f"/ledger/{ledger['hidden'].id}").status_code == 404
    assert client.get("/ledger/999999").status_code == 404


def test_public_item_page_shows_public_progress_only(client, db, clock, ledger) -> None:
    child = ledger["child"]
    add_entry(db, STAFF, child.id, happened_on=date(2026, 5, 10),
              body={"zh_CN": "完成复查一百件"}, public=True, clock=clock)
    add_entry(db, STAFF, child.id, happened_on=date(2026, 5, 11),
              body={"zh_CN": "内部笔记不公开"}, public=False, clock=clock)
    for _ in range(2):
        link_case(db, STAFF, child.id, make_submission(db).id, clock=clock)
    db.commit()
    response = client.get(f"/ledger/{child.id}")
    html = page(response)
    assert html.select_one("h1").get_text(strip=True) == "有案不立整治"
    assert html.select_one("progress#item-progress")["value"] == "10"
    assert [li.get_text(strip=True) for li in html.select(".ledger-measures li")] == ["逐案复查"]
    bodies = [p.get_text(strip=True) for p in html.select(".ledger-entry-body")]
    assert bodies == ["完成复查一百件"]
    assert "内部笔记" not in response.text
    # Two linked cases: a count under 5 is never shown as such.
    assert "<5" in html.select_one("[aria-labelledby=reports-title]").get_text()
    # The parent is public, so the breadcrumb links it.
    assert html.select_one(f".breadcrumb a[href='/ledger/{ledger['parent'].id}']")


# ---------------------------------------------------------------- staff: create and edit

def item_form(client, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return form_fields(response, "form.ledger-form")


def test_moderator_creates_and_edits_an_item(client, db, make_user, ledger) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    fields = item_form(client, "/staff/ledger/new")
    fields.update({"title_zh_CN": "执法不规范<script>", "title_en": "Lax enforcement",
                   "measures_zh_CN": "第一项\n第二项", "measures_en": "First\nSecond",
                   "unit_id": str(ledger["court"].id), "parent_id": str(ledger["parent"].id),
                   "weight": "3", "deadline": "2026-09-30", "public": "on",
                   "summary_zh_CN": "摘要"})
    response = client.post("/staff/ledger/new", data=fields)
    assert response.status_code == 303
    item = db.exec(select(LedgerItem).where(LedgerItem.weight == 3)).one()
    assert response.headers["location"] == f"/staff/ledger/{item.id}?done=created"
    assert item.measures == [{"zh_CN": "第一项", "en": "First"},
                             {"zh_CN": "第二项", "en": "Second"}]
    assert item.public
    assert item.parent_id == ledger["parent"].id
    shown = client.get(response.headers["location"])
    assert shown.status_code == 200
    assert page(shown).select_one("h1").get_text() == "执法不规范<script>"  # escaped text

    # Edit: bad input comes back filled in with the error next to the field.
    edit_url = f"/staff/ledger/{item.id}/edit"
    fields = item_form(client, edit_url)
    assert fields["title_en"] == "Lax enforcement"
    assert fields["version"] == "1"
    fields.update({"title_zh_CN": "", "title_en": "", "weight": "heavy",
                   "description_zh_CN": "保留的输入"})
    refused = client.post(edit_url, data=fields)
    assert refused.status_code == 422
    html = page(refused)
    assert html.select_one("#f-weight-error").get_text() == zh(m.BAD_WEIGHT)
    assert html.select_one("#f-weight")["aria-describedby"] == "f-weight-hint f-weight-error"
    assert html.select_one("#f-description_zh_CN").get_text() == "保留的输入"

    # A stale version: 409, the input kept.
    fields.update({"title_zh_CN": "新标题", "weight": "2", "version": "0"})
    stale = client.post(edit_url, data=fields)
    assert stale.status_code == 409
    assert page(stale).select_one("#f-title_zh_CN")["value"] == "新标题"
    db.refresh(item)
    assert item.title["zh_CN"] == "执法不规范<script>"

    fields["version"] = "1"
    assert client.post(edit_url, data=fields).status_code == 303
    db.refresh(item)
    assert item.title["zh_CN"] == "新标题"
    assert item.weight == 2
    assert item.version == 2


def test_handler_works_only_on_their_units_items(client, db, make_user, ledger) -> None:
    make_user(Role.handler, unit_id=ledger["police"].id)
    login(client, "handler1")
    listing = client.get("/staff/ledger")
    assert "久押不决清理" not in listing.text  # the court's item
    assert "内部事项" in listing.text  # their unit's internal item
    assert client.get(f"/staff/ledger/{ledger['overdue'].id}").status_code == 404
    form = client.get("/staff/ledger/new")
    assert page(form).select_one("#f-public") is None  # moderators decide publication
    fields = form_fields(form, "form.ledger-form")
    assert fields["unit_id"] == str(ledger["police"].id)
    fields.update({"title_zh_CN": "派出所问题", "unit_id": str(ledger["court"].id)})
    refused = client.post("/staff/ledger/new", data=fields)
    assert refused.status_code == 422
    assert page(refused).select_one("#f-unit_id-error").get_text() == zh(m.UNKNOWN_UNIT)
    fields["unit_id"] = str(ledger["police"].id)
    assert client.post("/staff/ledger/new", data=fields).status_code == 303
    token = csrf_from(client.get(f"/staff/ledger/{ledger['child'].id}"))
    # Verification is for moderators: a unit does not sign off its own work.
    assert client.post(f"/staff/ledger/{ledger['child'].id}/verify",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/staff/ledger/{ledger['overdue'].id}/status",
                       data={"csrf_token": token, "status": "rectified",
                             "version": "1"}).status_code == 404


def test_leader_reads_but_cannot_write(client, make_user, ledger) -> None:
    make_user(Role.leader)
    login(client, "leader1")
    item = client.get(f"/staff/ledger/{ledger['child'].id}")
    assert item.status_code == 200
    assert page(item).select("main form[method=post]") == []
    token = csrf_from(client.get("/staff/account"))
    assert client.post(f"/staff/ledger/{ledger['child'].id}/status",
                       data={"csrf_token": token, "status": "rectified"}).status_code == 403
    assert client.get("/staff/ledger/export.csv").status_code == 200


@pytest.mark.parametrize("role", [Role.press, Role.admin])
def test_press_and_admin_have_no_ledger(client, make_user, ledger, role) -> None:
    make_user(role)
    login(client, f"{role.value}1")
    assert client.get("/staff/ledger").status_code == 403
    assert client.get("/staff/leaders").status_code == 403


# ---------------------------------------------------------------- staff: item actions

def post_form(client, item_url: str, action: str, **values: str):  # type: ignore[no-untyped-def]
    """Fill the item page's form that posts to `action` and send it."""
    item_page = client.get(item_url)
    form = page(item_page).select_one(f'form[action="{action}"]')
    assert form is not None, f"no form posting to {action}"
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    data.update(values)
    return client.post(action, data=data)


def test_status_progress_reviews_and_relapse_over_http(client, db, make_user,
                                                       ledger) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    item = ledger["child"]
    url = f"/staff/ledger/{item.id}"
    assert post_form(client, url, f"{url}/progress", progress="55").status_code == 303
    db.refresh(item)
    assert item.progress == 55
    refused = post_form(client, url, f"{url}/progress", progress="140")
    assert refused.status_code == 422
    assert page(refused).select_one("#f-progress")["value"] == "140"
    assert page(refused).select_one("#f-progress-error").get_text() == zh(m.BAD_PROGRESS)

    # Verification only of a rectified item: 409 with the reason.
    early = post_form(client, url, f"{url}/status", status="verified")
    assert early.status_code == 422
    assert post_form(client, url, f"{url}/status", status="rectified").status_code == 303
    db.refresh(item)
    assert (item.status, item.progress) == (LedgerStatus.rectified, 90)
    assert post_form(client, url, f"{url}/verify", verifier="市教育整顿办督导组",
                     verified_on="2026-05-30", result="passed").status_code == 303
    db.refresh(item)
    assert item.status == LedgerStatus.verified

    assert post_form(client, url, f"{url}/lookbacks", scheduled_on="2026-08-01"
                     ).status_code == 303
    lookback = page(client.get(url)).select_one("form[action^='/staff/ledger/lookbacks/']")
    action = lookback["action"]
    no_reason = post_form(client, url, action, done_on="2026-08-02", result="relapsed")
    assert no_reason.status_code == 422
    assert page(no_reason).select_one(".error-message[id$=-note-error]").get_text() == \
        zh(m.RELAPSE_REASON)
    assert post_form(client, url, action, done_on="2026-08-02", result="relapsed",
                     lookback_note_zh_CN="回访发现问题反弹").status_code == 303
    db.refresh(item)
    assert item.status == LedgerStatus.in_progress
    public = page(client.get(f"/ledger/{item.id}"))
    assert public.select_one(".relapse-reason").get_text(" ", strip=True).endswith(
        "回访发现问题反弹")
    assert "回访发现问题反弹" in [p.get_text() for p in public.select(".ledger-entry-body")]
    assert "市教育整顿办督导组" not in str(public)  # the public sees "the campaign office"
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    assert {"ledger_item.progress", "ledger_verification.create", "ledger_item.verified",
            "ledger_lookback.record", "ledger_item.relapsed"} <= set(actions)


def test_stale_status_change_is_a_409_that_keeps_the_choice(client, db, make_user,
                                                            ledger) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    url = f"/staff/ledger/{ledger['child'].id}"
    stale = post_form(client, url, f"{url}/status", status="rectified", version="0")
    assert stale.status_code == 409
    html = page(stale)
    assert html.select_one("#status .notice") is not None
    assert html.select_one("#f-status option[selected]")["value"] == "rectified"


def test_timeline_entry_with_evidence_and_mechanism(client, db, make_user, ledger) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    item = ledger["child"]
    url = f"/staff/ledger/{item.id}"
    form = page(client.get(url)).select_one(f'form[action="{url}/entries"]')
    token = form.select_one("input[name=csrf_token]")["value"]
    response = client.post(f"{url}/entries", data={
        "csrf_token": token, "happened_on": "2026-05-20", "body_zh_CN": "整改台账更新",
        "public": "on"}, files={"evidence": ("report.txt", b"plain evidence text\n",
                                             "text/plain")})
    assert response.status_code == 303
    entry = db.exec(select(LedgerEntry).where(LedgerEntry.item_id == item.id)).one()
    evidence = db.exec(select(LedgerEvidence)).one()
    assert entry.public
    assert evidence.entry_id == entry.id
    staff_page = page(client.get(url))
    link = staff_page.select_one(f"a[href='/staff/ledger/evidence/{evidence.id}']")
    assert link.get_text() == "report.txt"
    download = client.get(link["href"])
    assert download.status_code == 200
    assert download.content == b"plain evidence text\n"
    assert download.headers["content-disposition"].startswith("attachment")
    # Evidence is never public.
    assert "report.txt" not in client.get(f"/ledger/{item.id}").text

    empty = client.post(f"{url}/entries", data={"csrf_token": token,
                                                "happened_on": "2026-05-21"})
    assert empty.status_code == 422
    assert page(empty).select_one("#f-body_zh_CN-error").get_text() == zh(m.REQUIRED)
    assert page(empty).select_one("#f-happened_on")["value"] == "2026-05-21"

    assert post_form(client, url, f"{url}/mechanisms", mechanism_zh_CN="案件质量评查制度",
                     area="oversight", established_on="2026-05-25").status_code == 303
    public = client.get(f"/ledger/{item.id}")
    assert "案件质量评查制度" in page(public).select_one(".ledger-mechanisms").get_text()


def test_link_and_unlink_cases_by_reference(client, db, make_user, ledger) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    case = make_submission(db, unit=ledger["police"])
    db.commit()
    url = f"/staff/ledger/{ledger['child'].id}"
    unknown = post_form(client, url, f"{url}/cases", reference="NOPE")
    assert unknown.status_code == 422
    assert page(unknown).select_one("#f-reference")["value"] == "NOPE"
    assert post_form(client, url, f"{url}/cases", reference=case.reference.lower()
                     ).status_code == 303
    html = page(client.get(url))
    assert [a.get_text() for a in html.select(".linked-cases a")] == [case.reference]
    again = post_form(client, url, f"{url}/cases", reference=case.reference)
    assert again.status_code == 422
    assert page(again).select_one("#f-reference-error").get_text() == zh(m.ALREADY_LINKED)
    assert post_form(client, url, f"{url}/cases/unlink", reference=case.reference
                     ).status_code == 303
    assert page(client.get(url)).select(".linked-cases a") == []


def test_item_from_case_refuses_an_unconfirmed_case(client, db, make_user, ledger) -> None:
    make_user(Role.moderator)
    login(client, "moderator1")
    case = make_submission(db, state=SubmissionState.concluded,
                           outcome=Outcome.unsubstantiated, unit=ledger["police"])
    db.commit()
    form = client.get(f"/staff/ledger/new?case={case.reference}")
    assert form.status_code == 409
    assert page(form).select_one(".notice").get_text() == zh(m.CASE_OUTCOME_NOT_CONFIRMED)
    fields = form_fields(form, "form.ledger-form")
    fields["title_zh_CN"] = "不应创建"
    refused = client.post(f"/staff/ledger/from-case/{case.reference}", data=fields)
    assert refused.status_code == 409
    assert all(i.title.get("zh_CN") != "不应创建" for i in db.exec(select(LedgerItem)))
    assert client.get("/staff/ledger/new?case=UNKNOWN").status_code == 404


def test_pledges_page_lists_dated_progress_updates(client, db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    updates = list(db.exec(select(PledgeUpdate)))
    assert updates
    html = page(client.get("/pledges"))
    shown = html.select(".pledge-updates li time")
    assert len(shown) == len(updates)
    first_pledge = html.select_one(".pledge")
    days = [t["datetime"] for t in first_pledge.select(".pledge-updates li time")]
    assert days == sorted(days, reverse=True)  # newest first
