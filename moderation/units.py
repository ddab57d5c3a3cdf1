"""The organisation tree: units that receive, verify or are concerned by leads."""

from __future__ import annotations

import enum

from sqlmodel import Field, Session, SQLModel, select

from moderation.sqltypes import LocalizedText, enum_field, localized_field


class UnitKind(enum.StrEnum):
    committee = "committee"  # 政法委
    court = "court"
    procuratorate = "procuratorate"
    police = "police"
    justice = "justice"
    county = "county"  # a county or district, parent of its own organs
    other = "other"


class Unit(SQLModel, table=True):
    """One unit in the tree; `code` is the stable key used in imports and the demo."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: LocalizedText = localized_field()
    kind: UnitKind = enum_field(UnitKind, UnitKind.other)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    position: int = Field(default=0)
    active: bool = Field(default=True)


def unit_tree(session: Session, *, include_inactive: bool = False) -> list[tuple[Unit, int]]:
    """Every unit with its depth, parents before children, in display order."""
    query = select(Unit).order_by(Unit.position, Unit.id)
    if not include_inactive:
        query = query.where(Unit.active == True)  # noqa: E712
    units = list(session.exec(query))
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    known = {u.id for u in units}
    out: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            out.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    # Units whose parent is inactive still appear, at the top level.
    for unit in units:
        if unit.parent_id is not None and unit.parent_id not in known:
            out.append((unit, 0))
            walk(unit.id, 1)
    return out
