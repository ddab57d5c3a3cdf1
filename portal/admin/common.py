"""Pieces shared by the admin pages."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request

from moderation.sqltypes import pick
from moderation.units import unit_tree

T = TypeVar("T")


def request_locale(request: Request) -> str:
    """The request's UI language."""
    settings = request.app.state.settings
    return request.scope.get("state", {}).get("locale", settings.default_locale)


def unit_options(request: Request, db: Session, *, keep: int | None = None,
                 exclude: set[int] | None = None) -> list[tuple[int, str, int]]:
    """(id, name, depth) of active units in tree order, plus `keep` even if inactive."""
    locale, default = request_locale(request), request.app.state.settings.default_locale
    options = []
    for unit, depth in unit_tree(db, include_inactive=True):
        assert unit.id is not None
        if exclude and unit.id in exclude:
            continue
        if unit.active or unit.id == keep:
            options.append((unit.id, pick(unit.name, locale, default), depth))
    return options


def unit_names(request: Request, db: Session) -> dict[int, str]:
    """Every unit's name in the request's language, by id."""
    locale, default = request_locale(request), request.app.state.settings.default_locale
    return {unit.id: pick(unit.name, locale, default)  # type: ignore[misc]
            for unit, _depth in unit_tree(db, include_inactive=True)}


def get_or_404(db: Session, model: type[T], key: int) -> T:
    """The row, or a 404 page."""
    row = db.get(model, key)
    if row is None:
        raise HTTPException(status_code=404)
    return row


def parse_id(raw: str) -> int | None:
    """A positive whole number from a form field, or None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None

