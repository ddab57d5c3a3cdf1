"""`portal demo`: the article's campaign, in both languages, loaded idempotently."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select

from moderation.audit import AuditEvent, verify
from moderation.units import Unit, UnitKind, unit_tree
from portal import demo_cases
from portal.cli import main
from portal.content.models import (
    Announcement,
    AnnouncementCategory,
    AnnouncementStatus,
    Campaign,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
)
from portal.demo import load_demo


def row_counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {table.name: db.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables}


def both_languages(text: dict[str, str]) -> bool:
    return bool(text.get("zh_CN", "").strip()) and bool(text.get("en", "").strip())


def test_demo_is_idempotent(db, clock) -> None:
    first = load_demo(db, clock)
    db.commit()
    counts = row_counts(db)
    assert "added" in first
    second = load_demo(db, clock)
    db.commit()
    assert "nothing changed" in second
    assert row_counts(db) == counts
    assert counts["announcement"] >= 6
    # One audit event for the load, and the chain is intact.
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == 1
    assert verify(db) == []


def test_demo_keeps_edits_made_in_the_portal(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    task = db.exec(select(CampaignTask).where(CampaignTask.position == 1)).one()
    task.title = {"zh_CN": "改过的", "en": "Edited"}
    db.add(task)
    db.commit()
    load_demo(db, clock)
    db.commit()
    db.refresh(task)
    assert task.title["en"] == "Edited"


def test_demo_has_the_articles_facts(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    campaign = db.exec(select(Campaign)).one()
    assert campaign.name["zh_CN"] == "漯河市政法队伍教育整顿"
    assert "党和人民信得过、靠得住、能放心的政法铁军" in campaign.overall_requirement["zh_CN"]
    assert campaign.hotline_phone == "12337"
    assert campaign.starts_on == date(2021, 3, 5)
    assert campaign.email == ""  # the article gives none; nothing invented
    tasks = db.exec(select(CampaignTask).order_by(CampaignTask.position)).all()
    assert [t.title["zh_CN"] for t in tasks] == [
        "筑牢政治忠诚", "清除害群之马", "整治顽瘴痼疾", "弘扬英模精神"]
    stages = db.exec(select(CampaignStage).order_by(CampaignStage.position)).all()
    assert [s.name["zh_CN"] for s in stages] == ["学习教育", "查纠整改", "总结提升"]
    for earlier, later in itertools.pairwise(stages):
        assert earlier.starts_on < earlier.ends_on < later.starts_on
    figures = {f.label["zh_CN"]: f.value for f in db.exec(select(HeadlineFigure))}
    assert sorted(figures.values()) == sorted(
        [69, 150, 70, 67, 132, 10000, 10000, 96, 32, 811, 606, 20000, 100, 1200])
    assert figures["收集意见和建议"] == 811


def test_every_text_is_in_both_languages(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    campaign = db.exec(select(Campaign)).one()
    for field in ("name", "tagline", "overall_requirement", "intro", "how_to_report",
                  "confidentiality", "mailbox_address"):
        assert both_languages(getattr(campaign, field)), field
    for task in db.exec(select(CampaignTask)):
        assert both_languages(task.title)
        assert both_languages(task.description)
    for stage in db.exec(select(CampaignStage)):
        assert both_languages(stage.name)
        assert both_languages(stage.description)
    for figure in db.exec(select(HeadlineFigure)):
        assert both_languages(figure.label)
    for pledge in db.exec(select(Pledge)):
        assert both_languages(pledge.title)
        assert both_languages(pledge.description)
    for item in db.exec(select(Announcement)):
        for field in ("title", "summary", "body_markdown", "body_html"):
            assert both_languages(getattr(item, field)), field
    for unit in db.exec(select(Unit)):
        assert both_languages(unit.name)


def test_demo_announcements_and_pledges(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    items = db.exec(select(Announcement)).all()
    assert 6 <= len(items) <= 10
    assert {i.category for i in items} == set(AnnouncementCategory)
    assert sum(i.pinned for i in items) == 1
    assert all(i.status == AnnouncementStatus.published for i in items)
    assert all(i.publish_at is not None and i.publish_at < clock() for i in items)
    assert all("<p>" in i.body_html["en"] for i in items)
    pledges = db.exec(select(Pledge)).all()
    assert len(pledges) >= 3
    assert all(p.unit_id is not None for p in pledges)
    assert any("四必访、六必进" in p.title["zh_CN"] for p in pledges)


def test_demo_org_tree(db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    tree = unit_tree(db)
    top = [unit.name["zh_CN"] for unit, depth in tree if depth == 0]
    assert top == ["漯河市委政法委", "漯河市中级人民法院", "漯河市人民检察院", "漯河市公安局",
                   "漯河市司法局", "临颍县", "舞阳县", "源汇区", "郾城区", "召陵区"]
    counties = db.exec(select(Unit).where(Unit.kind == UnitKind.county)).all()
    for county in counties:
        children = db.exec(select(Unit).where(Unit.parent_id == county.id)).all()
        assert {c.kind for c in children} == {UnitKind.committee, UnitKind.court,
                                              UnitKind.procuratorate, UnitKind.police,
                                              UnitKind.justice}


def test_demo_command_runs_twice(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(demo_cases, "DEMO_CASES", 12)  # the full set is tested elsewhere
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.delenv("MINSHENG_MODE", raising=False)
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "added" in first
    assert "demo cases: added 12 demo cases" in first
    receipts = re.findall(r"^  (\d[\d -]*\d)  \(", first, re.MULTILINE)
    assert len(receipts) == 2
    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    assert "nothing changed" in second
    assert "demo cases: all 12 already loaded, nothing changed" in second
    assert re.findall(r"^  (\d[\d -]*\d)  \(", second, re.MULTILINE) == receipts
