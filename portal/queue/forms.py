"""The form of each case action: its fields, their defaults, and the domain call it makes.

Input names match the domain's error keys (`ValidationFailed.errors`), so an error lands
next to its field; the few that differ are mapped in `ERROR_FIELDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from moderation.clock import Clock
from moderation.errors import ValidationFailed
from moderation.intake.models import RejectReason, Submission
from moderation.roles import Actor
from moderation.workflow import claims, handling, review, triage
from moderation.workflow.messages import default_reject_reply
from moderation.workflow.models import policy_for
from moderation.workflow.routing_rules import RouteChoice, RouteGroup, route_choices
from moderation.workflow.transitions import Action
from portal.locale_context import gettext
from portal.locale_context import lazy_gettext as N_
from portal.queue.common import form_date, form_int, form_text

BAD_DATE = N_("Enter the date as YYYY-MM-DD.")
DEFAULT_REASON = RejectReason.spam

FIELDS: dict[Action, tuple[str, ...]] = {
    Action.claim: (), Action.release: (), Action.start_verification: (),
    Action.classify: ("category_id", "unit_concerned_id", "priority"),
    Action.reject: ("reason", "public_reply"),
    Action.mark_duplicate: ("main_reference", "public_reply"),
    Action.accept: ("handling_mode", "responsible_unit_id", "handler_id", "handling_due_on"),
    Action.reply: ("body",), Action.note: ("body",), Action.ask: ("body",),
    Action.extend: ("extension_reason",),
    Action.conclude: ("outcome", "finding", "public_reply"),
    Action.reopen: ("reason", "handling_due_on"),
    Action.uphold: ("public_reply",),
}
ERROR_FIELDS = {"duplicate_of_id": "main_reference"}
# Actions whose public text reaches a real-name citizen: they get the "update" e-mail.
NOTIFYING = frozenset({Action.reject, Action.mark_duplicate, Action.reply, Action.ask,
                       Action.conclude, Action.uphold})
REJECT_REASONS = [r for r in RejectReason if r != RejectReason.duplicate]
ROUTE_GROUPS = {
    RouteGroup.above: N_("Escalated handling: units above the unit concerned"),
    RouteGroup.other: N_("Cross-unit or off-site handling: other units"),
    RouteGroup.itself: N_("Direct handling: the unit concerned"),
    RouteGroup.below: N_("Not possible: units under the unit concerned"),
    RouteGroup.any: N_("All units (the unit concerned is not known)"),
}


@dataclass
class FormState:
    """What one action's form shows: values and errors (message ids) by field name."""

    values: dict[str, str]
    errors: dict[str, str]


def defaults(action: Action, submission: Submission, reason: str | None = None) -> FormState:
    """The form as first shown: current classification, translated reply templates."""
    values: dict[str, str] = {name: "" for name in FIELDS[action]}
    if action == Action.classify:
        values.update(category_id=str(submission.category_id or ""),
                      unit_concerned_id=str(submission.unit_concerned_id or ""),
                      priority=submission.priority.value)
    elif action == Action.reject:
        chosen = reason if reason in {r.value for r in REJECT_REASONS} else DEFAULT_REASON
        values.update(reason=str(chosen), public_reply=gettext(default_reject_reply(chosen)))
    elif action == Action.mark_duplicate:
        values["public_reply"] = gettext(default_reject_reply(RejectReason.duplicate))
    elif action == Action.accept:
        values["handling_mode"] = "off_site"
    return FormState(values, {})


def route_groups(db: Session, submission: Submission
                 ) -> list[tuple[str, list[RouteChoice]]]:
    """The accept form's units, grouped (with translated group names); barred ones carry
    the reason and are shown disabled. The domain still refuses them on submit."""
    choices = route_choices(db, submission.unit_concerned_id, policy_for(db))
    groups: dict[RouteGroup, list[RouteChoice]] = {}
    for choice in choices:
        groups.setdefault(choice.group, []).append(choice)
    return [(gettext(ROUTE_GROUPS[group]), items) for group, items in groups.items()]


def reject_templates() -> dict[str, str]:
    """The translated default reply of each reason (the script swaps them in)."""
    return {r.value: gettext(default_reject_reply(r)) for r in REJECT_REASONS}


def posted(action: Action, form: FormData) -> FormState:
    """The values the user sent (kept on every error page)."""
    return FormState({name: form_text(form, name) for name in FIELDS[action]}, {})


def field_errors(error: ValidationFailed) -> dict[str, str]:
    return {ERROR_FIELDS.get(k, k): v for k, v in error.errors.items()}


Call = Callable[[], Submission]


def domain_call(action: Action, db: Session, actor: Actor, submission_id: int, version: int,
                form: FormData, clock: Clock, tz: str) -> Call:
    """The domain function for `action` with the form's values bound (raises
    ValidationFailed for input the web layer itself cannot read)."""
    v = lambda name: form_text(form, name)  # noqa: E731
    errors: dict[str, str] = {}
    args: tuple[Any, ...] = (db, actor, submission_id, version)
    call: Call
    if action == Action.claim:
        call = lambda: claims.claim(*args, clock=clock)  # noqa: E731
    elif action == Action.release:
        call = lambda: claims.release(*args, clock=clock)  # noqa: E731
    elif action == Action.classify:
        call = lambda: triage.classify(  # noqa: E731
            *args, category_id=form_int(form, "category_id"),
            unit_concerned_id=form_int(form, "unit_concerned_id"), priority=v("priority"),
            clock=clock)
    elif action == Action.reject:
        call = lambda: triage.reject(*args, reason=v("reason"),  # noqa: E731
                                     public_reply=v("public_reply"), clock=clock)
    elif action == Action.mark_duplicate:
        main_id = main_case_id(db, v("main_reference"))
        call = lambda: triage.mark_duplicate(*args, main_id=main_id,  # noqa: E731
                                             public_reply=v("public_reply"), clock=clock)
    elif action == Action.accept:
        due = form_date(form, "handling_due_on", errors, BAD_DATE)
        call = lambda: triage.accept(  # noqa: E731
            *args, mode=v("handling_mode"),
            responsible_unit_id=form_int(form, "responsible_unit_id"),
            handler_id=form_int(form, "handler_id"), due_on=due, clock=clock, tz=tz)
    elif action == Action.reply:
        call = lambda: triage.reply(*args, v("body"), clock=clock)  # noqa: E731
    elif action == Action.note:
        call = lambda: handling.add_note(*args, v("body"), clock=clock)  # noqa: E731
    elif action == Action.ask:
        call = lambda: handling.ask_citizen(*args, v("body"), clock=clock)  # noqa: E731
    elif action == Action.start_verification:
        call = lambda: handling.start_verification(*args, clock=clock)  # noqa: E731
    elif action == Action.extend:
        call = lambda: handling.request_extension(  # noqa: E731
            *args, v("extension_reason"), clock=clock, tz=tz)
    elif action == Action.conclude:
        call = lambda: handling.conclude(  # noqa: E731
            *args, outcome=v("outcome"), finding=v("finding"),
            public_reply=v("public_reply"), clock=clock, tz=tz)
    elif action == Action.reopen:
        due_on: date | None = form_date(form, "handling_due_on", errors, BAD_DATE)
        call = lambda: review.reopen(*args, v("reason"), due_on=due_on,  # noqa: E731
                                     clock=clock, tz=tz)
    else:  # Action.uphold
        call = lambda: review.uphold(*args, v("public_reply"), clock=clock)  # noqa: E731
    if errors:
        raise ValidationFailed(errors)
    return call


def normalize_reference(text: str) -> str:
    """A case number as typed, in any letter case, with or without "MS-" and hyphens
    ("ms-abcd-efgh", "ABCDEFGH", "abcd efgh"), as stored: "MS-ABCD-EFGH"."""
    raw = "".join(ch for ch in text.upper()[:40] if ch.isascii() and ch.isalnum())
    if raw.startswith("MS") and len(raw) == 10:
        raw = raw[2:]
    return f"MS-{raw[:4]}-{raw[4:]}" if len(raw) == 8 else text.strip().upper()[:17]


def main_case_id(db: Session, reference: str) -> int:
    """The id of the case a duplicate points to; 0 (no such row) when unknown."""
    reference = normalize_reference(reference)
    if not reference:
        return 0
    found = db.exec(select(Submission.id).where(col(Submission.reference) == reference)).first()
    return found or 0
