"""The conflict page (409): someone else changed or holds the case. It keeps everything
the user typed, in the same form with the current version, and shows what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import AlreadyClaimed, DomainError, StaleVersion
from moderation.intake.models import (
    Category,
    HandlingMode,
    Outcome,
    Priority,
    RejectReason,
    SubmissionState,
)
from moderation.roles import Actor
from moderation.sqltypes import pick
from moderation.workflow.core import snapshot
from moderation.workflow.transitions import Action
from portal.locale_context import current_locale, gettext
from portal.locale_context import lazy_gettext as N_
from portal.queue import forms as f
from portal.queue.case import case_context, decode_seen
from portal.queue.common import error_text, find_case, staff_names, unit_names
from portal.queue.labels import qlabel
from portal.templating import render

# Fields shown in "what changed", with their labels and how to read their values.
CHANGE_FIELDS: dict[str, tuple[str, str]] = {
    "state": (N_("Status"), "state"),
    "priority": (N_("Priority"), "priority"),
    "category_id": (N_("Category"), "category"),
    "unit_concerned_id": (N_("Unit concerned"), "unit"),
    "claimed_by_id": (N_("Claimed by"), "staff"),
    "reject_reason": (N_("Reason for not accepting"), "reason"),
    "duplicate_of_id": (N_("Duplicate of"), "plain"),
    "handling_mode": (N_("Handling mode"), "mode"),
    "responsible_unit_id": (N_("Responsible unit"), "unit"),
    "handler_id": (N_("Handler"), "staff"),
    "handling_due_on": (N_("Handling due"), "plain"),
    "extended": (N_("Extended"), "bool"),
    "outcome": (N_("Outcome"), "outcome"),
    "awaiting_citizen": (N_("Awaiting the citizen"), "bool"),
    "needs_decision": (N_("Awaits a decision"), "bool"),
}
_ENUMS = {"state": SubmissionState, "priority": Priority, "reason": RejectReason,
          "mode": HandlingMode, "outcome": Outcome}


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    seen: str
    now: str


def _describe(kind: str, value: Any, units: dict, names: dict[int, str],
              categories: dict[int, Any]) -> str:
    if value is None or value == "":
        return "—"
    if kind in _ENUMS:
        try:
            return qlabel(_ENUMS[kind](value))
        except ValueError:
            return str(value)
    if kind == "bool":
        return gettext("Yes") if value else gettext("No")
    locale = current_locale.get()
    if kind == "unit":
        name = units.get(value)
        return pick(name, locale, "zh_CN") if name else str(value)
    if kind == "category":
        name = categories.get(value)
        return pick(name, locale, "zh_CN") if name else str(value)
    if kind == "staff":
        return names.get(value, str(value))
    return str(value)


def changes(db: Session, seen: dict[str, Any], current: dict[str, Any]) -> list[Change]:
    """The fields whose value differs between what the user saw and now."""
    differing = [k for k in CHANGE_FIELDS if k in current and seen.get(k) != current.get(k)]
    if not seen:
        differing = [k for k in CHANGE_FIELDS if current.get(k) not in (None, False, "")]
    units = unit_names(db)
    names = staff_names(db, {v for k in ("claimed_by_id", "handler_id")
                             for v in (seen.get(k), current.get(k)) if isinstance(v, int)})
    categories = {c.id: c.name for c in db.exec(select(Category))}
    out = []
    for key in differing:
        label, kind = CHANGE_FIELDS[key]
        out.append(Change(key, gettext(label),
                          _describe(kind, seen.get(key), units, names, categories) if seen
                          else "—",
                          _describe(kind, current.get(key), units, names, categories)))
    return out


def conflict_page(request: Request, db: Session, actor: Actor, reference: str, action: Action,
                  form: FormData, error: DomainError) -> Response:
    """409: the case as it is now, the user's input kept, and what changed."""
    submission = find_case(db, actor, reference)
    current = error.current if isinstance(error, StaleVersion) and error.current \
        else snapshot(submission)
    kept = f.posted(action, form)
    context = case_context(db, request, actor, submission, overrides={action: kept},
                           open_action=action, form=form)
    db.commit()  # the thumbnails' audit event, if any
    holder = None
    if isinstance(error, AlreadyClaimed) and error.claimed_by_id:
        holder = staff_names(db, {error.claimed_by_id}).get(error.claimed_by_id)
    context.update(
        attempted=action, kept=kept, still_possible=action in context["actions"],
        stale=isinstance(error, StaleVersion), holder=holder,
        claimed_until=getattr(error, "claimed_until", None),
        reason=error_text(error),
        changes=changes(db, decode_seen(str(form.get("seen") or "")), current),
    )
    return render(request, "queue/conflict.html", context, status_code=409,
                  headers={"Cache-Control": "no-store"})
