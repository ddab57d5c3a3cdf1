"""Rendering the staff ledger pages: the item page with its action forms, and the item
form. Handlers call these both for a fresh page and to show a refused form again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.models import Submission
from moderation.ledger.items import local_today
from moderation.ledger.models import (
    LedgerStatus,
    LookBackResult,
    MechanismArea,
    VerificationResult,
)
from moderation.ledger.queries import categories, item_view
from moderation.roles import Actor, Role
from moderation.units import Unit, unit_tree
from portal.accounts.models import StaffUser
from portal.ledger.access import (
    load_item,
    may_edit,
    may_open_case,
    may_publish,
    may_review,
    may_see,
    visible_items,
)
from portal.ledger.forms import FormState
from portal.ledger.labels import choices, ledger_label
from portal.locale_context import gettext as _
from portal.templating import render
from portal.web import now

DONE = {
    "created": "The item was added to the ledger.",
    "saved": "Saved.",
    "status": "The status was changed.",
    "progress": "The progress was changed.",
    "entry": "The progress entry was added.",
    "mechanism": "The mechanism was recorded.",
    "verified": "The verification was recorded.",
    "scheduled": "The look-back review was scheduled.",
    "lookback": "The look-back review was recorded.",
    "linked": "The case was linked to the item.",
    "unlinked": "The case was unlinked from the item.",
}


def done_message(request: Request) -> str:
    key = request.query_params.get("done", "")
    return _(DONE[key]) if key in DONE else ""


def _linked_cases(db: Session, actor: Actor, ids: list[int]) -> tuple[list[Submission], int]:
    """The linked cases the actor may open, and how many others there are."""
    if not ids:
        return [], 0
    rows = list(db.exec(select(Submission).where(col(Submission.id).in_(ids))
                        .order_by(col(Submission.id))))
    shown = [s for s in rows if may_open_case(s, actor)]
    return shown, len(rows) - len(shown)


def _names(db: Session, ids: set[int | None]) -> dict[int, str]:
    """Staff display names (for staff pages only)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {u.id: u.display_name for u in db.exec(
        select(StaffUser).where(col(StaffUser.id).in_(wanted))) if u.id is not None}


def render_item_page(request: Request, db: Session, actor: Actor, item_id: int,
                     form: FormState | None = None, status_code: int = 200) -> Response:
    """The staff view of one item with the forms the actor may use."""
    tz = request.app.state.settings.timezone
    moment = now(request)
    load_item(db, actor, item_id)
    view = item_view(db, item_id, public_only=False, now=moment, tz=tz)
    has_children = bool(view.children)
    if actor.role == Role.handler:
        # A handler sees their unit's items only, not a parent or sub-item of another.
        view = replace(view, children=[r for r in view.children if may_see(r.item, actor)],
                       parent=view.parent if view.parent is not None
                       and may_see(view.parent, actor) else None)
    cases, hidden_cases = _linked_cases(db, actor, view.submission_ids)
    people = _names(db, {e.author_id for e in view.entries}
                    | {v.recorded_by_id for v in view.verifications}
                    | {lb.recorded_by_id for lb in view.lookbacks})
    return render(request, "ledger/staff_item.html", {
        "view": view, "item": view.item, "form": form or FormState(),
        "done": done_message(request), "ledger_label": ledger_label, "people": people,
        "cases": cases, "hidden_cases": hidden_cases, "today": local_today(moment, tz),
        "can_edit": may_edit(actor), "can_review": may_review(actor),
        "status_choices": [(s.value, ledger_label(s)) for s in LedgerStatus
                           if s != LedgerStatus.verified],
        "areas": choices(MechanismArea), "results": choices(VerificationResult),
        "lookback_results": choices(LookBackResult),
        "has_children": has_children,
        "pending_lookbacks": [lb for lb in view.lookbacks if lb.result is None],
    }, status_code=status_code)


def _unit_choices(db: Session, actor: Actor) -> list[tuple[Unit, int]]:
    tree = unit_tree(db)
    if actor.role == Role.handler:
        return [(unit, 0) for unit, _depth in tree if unit.id == actor.unit_id]
    return tree


def render_item_form(request: Request, db: Session, actor: Actor, *, heading: str,
                     action: str, values: dict[str, str], errors: dict[str, str] | None = None,
                     item_id: int | None = None, case: Submission | None = None,
                     notice: str = "", status_code: int = 200) -> Response:
    """The form of a new or existing item, filled with `values`."""
    parents = [i for i in visible_items(db, actor) if i.id != item_id]
    context: dict[str, Any] = {
        "heading": heading, "action": action, "values": values, "errors": errors or {},
        "item_id": item_id, "case": case, "notice": notice,
        "units": _unit_choices(db, actor), "categories": categories(db),
        "parents": parents, "can_publish": may_publish(actor),
        "statuses": [(s.value, ledger_label(s)) for s in LedgerStatus
                     if s != LedgerStatus.verified],
        "locale_codes": ("zh_CN", "en"),
    }
    return render(request, "ledger/staff_form.html", context, status_code=status_code)


def today_text(request: Request) -> str:
    return local_today(now(request), request.app.state.settings.timezone).isoformat()


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""
