"""`portal demo`, ledger part: categories, items, timeline, reviews and pledge updates.

Keyed by stable codes (categories, items) and pledge positions: an item's timeline,
mechanisms and reviews are added only with the item, pledge updates only to a pledge
that has none, so a second run adds nothing. Rows are inserted directly; `load_demo`
writes the one audit row of the whole load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from moderation.ledger.models import (
    DEFAULT_PROGRESS,
    EntryKind,
    LedgerCategory,
    LedgerEntry,
    LedgerItem,
    LedgerLookBack,
    LedgerMechanism,
    LedgerStatus,
    LedgerVerification,
    LookBackResult,
    VerificationResult,
)
from moderation.ledger.rollup import weighted_progress
from moderation.units import Unit
from portal import demo_ledger_data as data
from portal.content.models import Campaign, Pledge, PledgeUpdate

Moment = Callable[[date], datetime]


def _categories(session: Session, added: Counter[str]) -> dict[str, LedgerCategory]:
    found = {c.code: c for c in session.exec(select(LedgerCategory))}
    for position, (code, name) in enumerate(data.CATEGORIES, start=1):
        if code not in found:
            found[code] = LedgerCategory(code=code, name=name, position=position)
            session.add(found[code])
            added["ledger_categories"] += 1
    session.flush()
    return found


def _history(session: Session, item: LedgerItem, spec: dict[str, Any], moment: Moment,
             added: Counter[str]) -> None:
    """Timeline, mechanisms, verification and look-back of a new item."""
    for day, public, text in spec["timeline"]:
        session.add(LedgerEntry(item_id=item.id, happened_on=day, body=text, public=public,
                                progress=item.progress, created_at=moment(day)))
        added["ledger_entries"] += 1
    for area, title, day in spec["mechanisms"]:
        session.add(LedgerMechanism(item_id=item.id, title=title, area=area,
                                    established_on=day, created_at=moment(day)))
        added["ledger_mechanisms"] += 1
    if spec["verification"]:
        verifier, day = spec["verification"]
        session.add(LedgerVerification(
            item_id=item.id, verifier=verifier, verified_on=day,
            result=VerificationResult.passed, created_at=moment(day),
            note={"zh_CN": "经验收，整改到位。", "en": "Checked: the rectification is complete."}))
    if spec["lookback"]:
        result, note = spec["lookback"]
        session.add(LedgerLookBack(item_id=item.id, scheduled_on=data.LOOK_BACK,
                                   done_on=data.LOOK_BACK, result=LookBackResult(result),
                                   note=note, created_at=moment(data.LOOK_BACK)))
        if result == LookBackResult.relapsed:
            item.status = LedgerStatus.in_progress
            item.progress = DEFAULT_PROGRESS[item.status]
            session.add(LedgerEntry(item_id=item.id, happened_on=data.LOOK_BACK, body=note,
                                    public=True, kind=EntryKind.relapse,
                                    progress=item.progress, created_at=moment(data.LOOK_BACK)))
            added["ledger_entries"] += 1


def _item(session: Session, spec: dict[str, Any], units: dict[str, Unit],
          cats: dict[str, LedgerCategory], parent: LedgerItem | None, position: int,
          moment: Moment) -> LedgerItem:
    status = spec.get("status", LedgerStatus.in_progress)
    category = cats.get(spec["category"]) if spec["category"] else None
    start = spec.get("starts_on", data.OPENED)
    item = LedgerItem(
        code=spec["code"], parent_id=parent.id if parent else None,
        weight=spec.get("weight", 1), position=position, title=spec["title"],
        description=spec.get("description", spec["summary"]), public_summary=spec["summary"],
        category_id=category.id if category else None, unit_id=units[spec["unit"]].id,
        lead_official=spec["lead"], measures=spec["measures"], starts_on=start,
        deadline=spec.get("deadline", data.CAMPAIGN_END), status=status,
        progress=DEFAULT_PROGRESS[status], public=spec["public"],
        created_at=moment(start), updated_at=moment(start),
    )
    session.add(item)
    session.flush()
    return item


def load_ledger(session: Session, units: dict[str, Unit], campaign: Campaign,
                moment: Moment, added: Counter[str]) -> None:
    """Add the demo ledger and pledge updates that are missing."""
    cats = _categories(session, added)
    existing = {i.code: i for i in session.exec(select(LedgerItem)) if i.code}
    parent = existing.get(data.PARENT["code"])
    if parent is None:
        parent = _item(session, data.PARENT, units, cats, None, 1, moment)
        _history(session, parent, {"timeline": [], "mechanisms": [], "verification": None,
                                   "lookback": None}, moment, added)
        added["ledger_items"] += 1
    grew = False
    for position, spec in enumerate(data.CHILDREN, start=1):
        if spec["code"] not in existing:
            child = _item(session, spec, units, cats, parent, position, moment)
            _history(session, child, spec, moment, added)
            added["ledger_items"] += 1
            grew = True
    for position, spec in enumerate(data.OTHERS, start=2):
        if spec["code"] not in existing:
            other = _item(session, spec, units, cats, None, position, moment)
            _history(session, other, spec, moment, added)
            added["ledger_items"] += 1
    session.flush()
    if grew:
        children = session.exec(select(LedgerItem).where(LedgerItem.parent_id == parent.id))
        rolled = weighted_progress((c.progress, c.weight) for c in children)
        parent.progress = rolled if rolled is not None else parent.progress
        session.add(parent)
    _pledge_updates(session, campaign, moment, added)
    session.flush()


def _pledge_updates(session: Session, campaign: Campaign, moment: Moment,
                    added: Counter[str]) -> None:
    pledges = {p.position: p for p in session.exec(
        select(Pledge).where(Pledge.campaign_id == campaign.id))}
    updated = set(session.exec(select(PledgeUpdate.pledge_id)))
    for position, updates in data.PLEDGE_UPDATES.items():
        pledge = pledges.get(position)
        if pledge is None or pledge.id in updated:
            continue
        for day, status, progress, note in updates:
            session.add(PledgeUpdate(pledge_id=pledge.id, happened_on=day, status=status,
                                     progress=progress, note=note, created_at=moment(day)))
            added["pledge_updates"] += 1
