"""Routing rule: a lead never goes to the unit it is about (no unit judges itself).

Decision: the rule refuses the unit concerned and every unit under it (a subordinate
verifying its own superior is the same conflict of interest), and allows the units
above it, since 提级办理 (escalation) means exactly that. The only exception is direct
handling (直接办理) when the campaign's `WorkflowPolicy.allow_self_verification` is on.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from moderation.errors import RoutingRefused
from moderation.intake.models import HandlingMode
from moderation.units import Unit
from moderation.workflow import messages as m
from moderation.workflow.models import WorkflowPolicy


def unit_and_descendants(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit below it in the tree."""
    pairs = session.exec(select(Unit.id, Unit.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for unit, parent in pairs:
        children.setdefault(parent, []).append(unit)  # type: ignore[arg-type]
    found, todo = {unit_id}, [unit_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def check_routing(session: Session, *, unit_concerned_id: int | None,
                  responsible_unit_id: int, mode: HandlingMode,
                  policy: WorkflowPolicy) -> None:
    """Raise RoutingRefused if the lead would be verified by the unit it concerns."""
    if unit_concerned_id is None:
        return
    if responsible_unit_id not in unit_and_descendants(session, unit_concerned_id):
        return
    if mode == HandlingMode.direct and policy.allow_self_verification:
        return
    raise RoutingRefused(m.SELF_ROUTING_DIRECT if mode == HandlingMode.direct
                         else m.SELF_ROUTING)


def routable_units(session: Session, unit_concerned_id: int | None, mode: HandlingMode,
                   policy: WorkflowPolicy) -> list[Unit]:
    """Active units a lead may be sent to (for the accept form)."""
    units = list(session.exec(select(Unit).where(col(Unit.active).is_(True))
                              .order_by(col(Unit.position), col(Unit.id))))
    if unit_concerned_id is None or (mode == HandlingMode.direct
                                     and policy.allow_self_verification):
        return units
    barred = unit_and_descendants(session, unit_concerned_id)
    return [u for u in units if u.id not in barred]
