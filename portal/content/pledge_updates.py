"""Dated progress updates of the public pledges (为民承诺), written by press or admins.

An update records the pledge's status and progress on a day, with a note per language,
and moves the pledge itself to that status and progress when it is the latest update.
One audit row per update (before/after of the pledge); the caller commits.

The table lives in `portal/content/models.py` next to `Pledge`: pledges are campaign
content edited by press staff, and `moderation/` must not import the portal.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import NotFound, ValidationFailed
from moderation.ledger import messages as m
from moderation.ledger.validation import clean_localized
from moderation.roles import Actor
from moderation.sqltypes import LocalizedText
from portal.content.campaign_edit import snapshot
from portal.content.models import Announcement, Pledge, PledgeStatus, PledgeUpdate

NOTE_MAX = 2_000


def _(message: str) -> str:
    """Extraction marker: the web layer translates the message id when it shows it."""
    return message


UNKNOWN_ANNOUNCEMENT = _("Choose an announcement from the list.")


def add_pledge_update(session: Session, actor: Actor, pledge_id: int, *, happened_on: date,
                      status: PledgeStatus, progress: int, note: LocalizedText,
                      announcement_id: int | None = None,
                      clock: Clock = system_clock) -> PledgeUpdate:
    """Record a pledge's progress on a day (with an optional announcement that tells
    more); the latest update by date sets the pledge's own status and progress."""
    pledge = session.get(Pledge, pledge_id)
    if pledge is None:
        raise NotFound(f"pledge {pledge_id}")
    errors: dict[str, str] = {}
    text, error = clean_localized(note, NOTE_MAX)
    if error:
        errors["note"] = error
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        errors["progress"] = m.BAD_PROGRESS
    if not isinstance(happened_on, date):
        errors["happened_on"] = m.BAD_DATE
    try:
        status = PledgeStatus(status)
    except ValueError:
        errors["status"] = m.BAD_STATUS
    if announcement_id is not None and session.get(Announcement, announcement_id) is None:
        errors["announcement_id"] = UNKNOWN_ANNOUNCEMENT
    if errors:
        raise ValidationFailed(errors)
    latest = latest_update(session, pledge_id)
    before = snapshot(pledge)
    update = PledgeUpdate(pledge_id=pledge_id, happened_on=happened_on, status=status,
                          progress=progress, note=text, announcement_id=announcement_id,
                          author_id=actor.id,
                          created_at=clock())
    session.add(update)
    if latest is None or happened_on >= latest.happened_on:
        pledge.status, pledge.progress, pledge.updated_at = status, progress, clock()
        session.add(pledge)
    session.flush()
    record(session, actor, "pledge.progress", "pledge", pledge_id, before=before,
           after={**snapshot(pledge), "update": snapshot(update)}, clock=clock)
    return update


def latest_update(session: Session, pledge_id: int) -> PledgeUpdate | None:
    """The pledge's most recent update by date."""
    return session.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == pledge_id)
                        .order_by(col(PledgeUpdate.happened_on).desc(),
                                  col(PledgeUpdate.id).desc())).first()


def pledge_updates(session: Session, pledge_ids: list[int]) -> dict[int, list[PledgeUpdate]]:
    """Every update of the given pledges, oldest first, by pledge id (for public pages)."""
    out: dict[int, list[PledgeUpdate]] = {pid: [] for pid in pledge_ids}
    if not pledge_ids:
        return out
    for update in session.exec(select(PledgeUpdate)
                               .where(col(PledgeUpdate.pledge_id).in_(pledge_ids))
                               .order_by(col(PledgeUpdate.happened_on), col(PledgeUpdate.id))):
        out[update.pledge_id].append(update)
    return out
