"""Routing rule: a lead never goes to the unit it is about (no unit judges itself).

Decision: the rule refuses the unit concerned and every unit under it (a subordinate
verifying its own superior is the same conflict of interest), and allows the units
above it, since 提级办理 (escalation) means exactly that. The only exception is direct
handling (直接办理) when the campaign's `WorkflowPolicy.allow_self_verification` is on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlmodel import Session, col, select

from moderation.errors import RoutingRefused
from moderation.intake.models import HandlingMode
from moderation.units import Unit, unit_tree
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


class RouteGroup(enum.StrEnum):
    """How a unit stands to the unit a lead concerns, which suggests the handling mode."""

    above = "above"  # 提级办理: a unit above the one concerned
    other = "other"  # 交叉办理 / 异地办理: an unrelated unit
    itself = "itself"  # 直接办理: the unit concerned (only when the policy allows it)
    below = "below"  # never: a subordinate would judge its superior
    any = "any"  # the unit concerned is not known: every unit may be chosen


@dataclass(frozen=True)
class RouteChoice:
    """One unit in the accept form: its group, and why it is barred (None: allowed)."""

    unit: Unit
    depth: int
    group: RouteGroup
    barred: str | None


def route_choices(session: Session, unit_concerned_id: int | None,
                  policy: WorkflowPolicy) -> list[RouteChoice]:
    """Every active unit, grouped by how it stands to the unit concerned; the ones
    `check_routing` would refuse carry the reason (the form shows them disabled)."""
    tree = unit_tree(session)
    if unit_concerned_id is None:
        return [RouteChoice(u, d, RouteGroup.any, None) for u, d in tree]
    parents = dict(session.exec(select(Unit.id, Unit.parent_id)).all())
    above: set[int] = set()
    cursor = parents.get(unit_concerned_id)
    while cursor is not None and cursor not in above:
        above.add(cursor)
        cursor = parents.get(cursor)
    below = unit_and_descendants(session, unit_concerned_id) - {unit_concerned_id}
    out = []
    for unit, depth in tree:
        if unit.id == unit_concerned_id:
            out.append(RouteChoice(unit, depth, RouteGroup.itself,
                                   None if policy.allow_self_verification
                                   else m.BARRED_ITSELF))
        elif unit.id in below:
            out.append(RouteChoice(unit, depth, RouteGroup.below, m.BARRED_BELOW))
        elif unit.id in above:
            out.append(RouteChoice(unit, depth, RouteGroup.above, None))
        else:
            out.append(RouteChoice(unit, depth, RouteGroup.other, None))
    order = list(RouteGroup)
    return sorted(out, key=lambda c: order.index(c.group))
