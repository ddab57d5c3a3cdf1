"""Writing the campaign's public content: its texts, tasks, stages, figures and pledges.

Each function writes one audit row with before and after and leaves the commit to
the caller. Only the campaign row has a `version`; it is checked on every update.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import NotFound, StaleVersion, ValidationFailed
from moderation.roles import Actor
from moderation.units import Unit
from portal.content.models import Campaign, Pledge
from portal.locale_context import lazy_gettext

DEFAULT_SLUG = "campaign"
END_BEFORE_START = lazy_gettext("The end date is before the start date.")
UNKNOWN_UNIT = lazy_gettext("Choose one of the listed options.")


def snapshot(row: SQLModel) -> dict[str, Any]:
    """The audited view of a row."""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in row.model_dump().items()}


def current_campaign(session: Session) -> Campaign | None:
    """The campaign this portal serves (the first one)."""
    return session.exec(select(Campaign).order_by(col(Campaign.id))).first()


def _check_dates(values: dict[str, Any]) -> None:
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if isinstance(starts, date) and isinstance(ends, date) and ends < starts:
        raise ValidationFailed({"ends_on": END_BEFORE_START})


def save_campaign(session: Session, actor: Actor, values: dict[str, Any],
                  version: int | None, *, clock: Clock = system_clock) -> Campaign:
    """Update the campaign's texts (creating the campaign if there is none yet)."""
    _check_dates(values)
    campaign = current_campaign(session)
    now = clock()
    if campaign is None:
        campaign = Campaign(slug=DEFAULT_SLUG, updated_at=now, **values)
        session.add(campaign)
        session.flush()
        record(session, actor, "campaign.create", "campaign", campaign.id,
               after=snapshot(campaign), clock=clock)
        return campaign
    if version is not None and campaign.version != version:
        raise StaleVersion(f"campaign is at version {campaign.version}")
    before = snapshot(campaign)
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.updated_at = now
    campaign.version += 1
    session.add(campaign)
    session.flush()
    record(session, actor, "campaign.update", "campaign", campaign.id, before=before,
           after=snapshot(campaign), clock=clock)
    return campaign


def _target(model: type[SQLModel]) -> str:
    return model.__tablename__  # type: ignore[return-value]


def _check_row(session: Session, model: type[SQLModel], values: dict[str, Any]) -> None:
    _check_dates(values)
    unit_id = values.get("unit_id")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise ValidationFailed({"unit_id": UNKNOWN_UNIT})


def _touch(row: SQLModel, clock: Clock) -> None:
    if isinstance(row, Pledge):
        row.updated_at = clock()


def get_row(session: Session, model: type[SQLModel], row_id: int) -> Any:
    """A row of the campaign's content, or NotFound."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{_target(model)} {row_id}")
    return row


def create_row(session: Session, actor: Actor, model: type[SQLModel], campaign: Campaign,
               values: dict[str, Any], *, clock: Clock = system_clock) -> Any:
    """Add a task, stage, figure or pledge to the campaign."""
    _check_row(session, model, values)
    row = model(campaign_id=campaign.id, **values)
    _touch(row, clock)
    session.add(row)
    session.flush()
    record(session, actor, f"{_target(model)}.create", _target(model), row.id,  # type: ignore[attr-defined]
           after=snapshot(row), clock=clock)
    return row


def update_row(session: Session, actor: Actor, model: type[SQLModel], row_id: int,
               values: dict[str, Any], *, clock: Clock = system_clock) -> Any:
    """Change a task, stage, figure or pledge."""
    _check_row(session, model, values)
    row = get_row(session, model, row_id)
    before = snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    _touch(row, clock)
    session.add(row)
    session.flush()
    record(session, actor, f"{_target(model)}.update", _target(model), row_id, before=before,
           after=snapshot(row), clock=clock)
    return row


def delete_row(session: Session, actor: Actor, model: type[SQLModel], row_id: int, *,
               clock: Clock = system_clock) -> None:
    """Remove a task, stage, figure or pledge (its last state stays in the audit log)."""
    row = get_row(session, model, row_id)
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, f"{_target(model)}.delete", _target(model), row_id, before=before,
           clock=clock)


def rows_of(session: Session, model: type[SQLModel], campaign: Campaign) -> list[Any]:
    """The campaign's rows of one kind, in display order."""
    query = (select(model).where(model.campaign_id == campaign.id)  # type: ignore[attr-defined]
             .order_by(model.position, model.id))  # type: ignore[attr-defined]
    return list(session.exec(query))
