"""`portal demo`: load the campaign of the article, idempotently.

Rows are keyed by stable codes (units), the campaign slug, positions (tasks, stages,
figures, pledges) and the Chinese title (announcements). Missing rows are added; rows
that exist are left alone, so a second run changes nothing and edits made in the portal
survive. The caller commits.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, SQLModel, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.intake.models import Category, SubmissionKind
from moderation.roles import Actor
from moderation.units import Unit, UnitKind
from portal import demo_data as data
from portal.content.markdown import render_markdown
from portal.content.models import (
    Announcement,
    AnnouncementStatus,
    Campaign,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
)
from portal.demo_ledger import load_ledger
from portal.i18n import DISPLAY_TZ

DEMO_ACTOR = Actor.system("demo")
PUBLISH_TIME = time(10, 0)  # announcements went out at 10:00 Beijing time


def _publish_moment(day: date) -> datetime:
    return datetime.combine(day, PUBLISH_TIME, tzinfo=DISPLAY_TZ)


def _load_units(session: Session, added: Counter[str]) -> dict[str, Unit]:
    units = {u.code: u for u in session.exec(select(Unit))}

    def ensure(code: str, name: dict[str, str], kind: UnitKind, parent: Unit | None,
               position: int) -> Unit:
        unit = units.get(code)
        if unit is None:
            unit = Unit(code=code, name=name, kind=kind, position=position,
                        parent_id=parent.id if parent else None)
            session.add(unit)
            session.flush()
            units[code] = unit
            added["units"] += 1
        return unit

    position = 0
    for code, name, kind in data.CITY_UNITS:
        position += 1
        ensure(code, name, kind, None, position)
    for code, zh, en, county in data.AREAS:
        position += 1
        area = ensure(code, data.T(zh, en), UnitKind.county, None, position)
        for child_position, (child_code, name, kind) in enumerate(
                data.area_units(code, zh, en, county), start=1):
            ensure(child_code, name, kind, area, child_position)
    return units


def _load_campaign(session: Session, clock: Clock, added: Counter[str]) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.slug == data.CAMPAIGN_SLUG)).first()
    if campaign is None:
        campaign = Campaign(**data.CAMPAIGN, updated_at=clock())
        session.add(campaign)
        session.flush()
        added["campaign"] += 1
    return campaign


def _add_missing(session: Session, model: type[SQLModel], campaign_id: int,
                 rows: list[dict[str, Any]], added: Counter[str], key: str) -> None:
    """Add the rows whose position the campaign does not have yet."""
    taken = set(session.exec(select(model.position)  # type: ignore[attr-defined]
                             .where(model.campaign_id == campaign_id)))  # type: ignore[attr-defined]
    for position, row in enumerate(rows, start=1):
        if position not in taken:
            session.add(model(campaign_id=campaign_id, position=position, **row))
            added[key] += 1


def _load_children(session: Session, campaign: Campaign, units: dict[str, Unit],
                   added: Counter[str]) -> None:
    assert campaign.id is not None
    # The article's figures date from the end of the campaign, not from today.
    as_of = _publish_moment(data.CAMPAIGN["ends_on"])  # type: ignore[arg-type]
    _add_missing(session, CampaignTask, campaign.id,
                 [{"title": title, "description": text} for title, text in data.TASKS],
                 added, "tasks")
    _add_missing(session, CampaignStage, campaign.id,
                 [{"name": name, "description": text, "starts_on": start, "ends_on": end}
                  for name, text, start, end in data.STAGES],
                 added, "stages")
    _add_missing(session, HeadlineFigure, campaign.id,
                 [{"label": label, "value": value, "suffix": suffix}
                  for label, value, suffix in data.FIGURES],
                 added, "figures")
    _add_missing(session, Pledge, campaign.id,
                 [{"title": title, "description": text, "unit_id": units[code].id,
                   "status": status, "progress": progress, "updated_at": as_of}
                  for title, text, code, status, progress in data.PLEDGES],
                 added, "pledges")


def _load_announcements(session: Session, added: Counter[str]) -> None:
    titles = {a.title.get("zh_CN") for a in session.exec(select(Announcement))}
    for category, pinned, day, title, summary, body in data.ANNOUNCEMENTS:
        if title["zh_CN"] in titles:
            continue
        moment = _publish_moment(day)
        session.add(Announcement(
            category=category, status=AnnouncementStatus.published, title=title,
            summary=summary, body_markdown=body,
            body_html={lang: str(render_markdown(text)) for lang, text in body.items()},
            pinned=pinned, publish_at=moment, created_at=moment, updated_at=moment,
        ))
        added["announcements"] += 1


def _load_categories(session: Session, added: Counter[str]) -> None:
    """Suggestion topics and tip categories, added by code when missing."""
    codes = set(session.exec(select(Category.code)))
    for kind, rows in ((SubmissionKind.suggestion, data.SUGGESTION_TOPICS),
                       (SubmissionKind.tip, data.TIP_CATEGORIES)):
        for position, (code, name) in enumerate(rows, start=1):
            if code not in codes:
                session.add(Category(code=code, name=name, kind=kind, position=position))
                added["categories"] += 1


def load_demo(session: Session, clock: Clock = system_clock) -> str:
    """Fill the database with the article's campaign; returns a one-line summary."""
    added: Counter[str] = Counter()
    units = _load_units(session, added)
    campaign = _load_campaign(session, clock, added)
    _load_children(session, campaign, units, added)
    _load_announcements(session, added)
    _load_categories(session, added)
    load_ledger(session, units, campaign, _publish_moment, added)
    session.flush()
    name = campaign.name.get("zh_CN", data.CAMPAIGN_SLUG)
    if not added:
        return f"demo campaign {name}: already loaded, nothing changed"
    record(session, DEMO_ACTOR, "demo.load", "campaign", campaign.id,
           after=dict(sorted(added.items())), clock=clock)
    parts = ", ".join(f"{count} {kind}" for kind, count in sorted(added.items()))
    return f"demo campaign {name}: added {parts}"
