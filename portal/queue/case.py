"""The case page: content, people, files, timeline, history, deadlines, links, hints, and
the forms of the actions `allowed_actions` gives this user. GET never changes the case;
it records one audit event when it shows image thumbnails."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake import followup
from moderation.intake.deadlines import handling_due, local_day, rules_for
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    CaseMessage,
    Category,
    HandlingMode,
    MessageAuthor,
    Outcome,
    Priority,
    RejectReason,
    Submission,
)
from moderation.intake.storage import Contact
from moderation.intake.texts import case_texts
from moderation.queue.similar import SimilarCase, similar_cases
from moderation.roles import Actor, Role
from moderation.workflow import deadlines
from moderation.workflow.core import snapshot
from moderation.workflow.duplicates import duplicates_of
from moderation.workflow.handling import OUTCOMES
from moderation.workflow.identity import may_view_contact
from moderation.workflow.transitions import Action, allowed_actions
from portal.locale_context import lazy_gettext as N_
from portal.queue import forms as f
from portal.queue.common import (
    find_case,
    handlers_by_unit,
    queue_actor,
    staff_names,
    tz_of,
    unit_names,
    unit_options,
)
from portal.queue.evidence import audit_thumbnails, case_evidence
from portal.queue.labels import options, qlabel, spam_reasons, state_label
from portal.queue.navigation import queue_navigation
from portal.queue.public_reply import done_message, reply_context
from portal.queue.thread import CONFIRM, action_panel, case_thread
from portal.templating import render
from portal.track.common import intake_keys
from portal.web import db_session

SEEN_MAX = 4000

DONE = {
    Action.claim: N_("You have claimed this item. Other moderators see it as yours."),
    Action.release: N_("The claim was released."),
    Action.classify: N_("The classification was saved."),
    Action.reject: N_("The submission was not accepted and the citizen was told why."),
    Action.mark_duplicate: N_("The submission was marked as a duplicate."),
    Action.accept: N_("The submission was accepted and routed."),
    Action.reply: N_("Your reply was sent to the citizen."),
    Action.note: N_("The internal note was saved."),
    Action.ask: N_("Your question was sent to the citizen."),
    Action.start_verification: N_("Verification has started."),
    Action.extend: N_("The deadline was extended."),
    Action.conclude: N_("The case was concluded and the citizen was told the result."),
    Action.reopen: N_("The case was reopened for verification."),
    Action.uphold: N_("The conclusion was upheld and the citizen was told why."),
}


def encode_seen(submission: Submission) -> str:
    """The workflow values the user saw, carried by each form for the conflict page."""
    raw = json.dumps(snapshot(submission), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_seen(text: str) -> dict[str, Any]:
    """What `encode_seen` carried; {} when missing or damaged (only display depends on it)."""
    try:
        if len(text) > SEEN_MAX:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def case_context(db: Session, request: Request, actor: Actor, submission: Submission, *,
                 overrides: dict[Action, f.FormState] | None = None,
                 contact: Contact | None = None, contact_shown: bool = False,
                 open_action: Action | None = None, form: Any = None) -> dict[str, Any]:
    """Everything the case page shows to `actor` (never contact details unless shown).

    Records one audit event when the page shows image thumbnails; the caller commits."""
    now = request.app.state.clock()
    tz = tz_of(request)
    actions = allowed_actions(submission, actor, now)
    evidence = case_evidence(db, request, actor, submission)
    audit_thumbnails(db, actor, submission, evidence, request.app.state.clock)
    reason = request.query_params.get("reason")
    forms = {a: f.defaults(a, submission, reason) for a in actions}
    forms.update(overrides or {})
    messages = list(db.exec(select(CaseMessage).where(
        col(CaseMessage.submission_id) == submission.id)
        .order_by(col(CaseMessage.created_at), col(CaseMessage.id))))
    people = {submission.claimed_by_id, submission.handler_id,
              *(m.staff_id for m in messages)}
    categories = list(db.exec(select(Category).where(col(Category.active).is_(True))
                              .order_by(col(Category.kind), col(Category.position))))
    main = db.get(Submission, submission.duplicate_of_id) if submission.duplicate_of_id \
        else None
    is_moderator = actor.role == Role.moderator
    dups = duplicates_of(db, submission.id) if submission.id else []
    due = deadlines.due_on(submission)
    today = local_day(now, tz)
    keys = intake_keys(request)
    return {
        "case": submission,
        "texts": case_texts(keys, submission),
        "actor_role": actor.role.value if actor.role else "",
        "due": due,
        "days_left": (due - today).days if due else 0,
        "case_state_label": state_label(submission, main),
        "overdue": deadlines.is_overdue(submission, now, tz),
        "units": unit_names(db),
        "names": staff_names(db, people),
        "category": db.get(Category, submission.category_id) if submission.category_id
        else None,
        "messages": messages,
        "citizen": MessageAuthor.citizen,
        "thread": case_thread(db, submission, messages),
        "files": evidence,
        "rating": followup.current_rating(db, submission),
        "review": followup.current_review(db, submission),
        "main_case": main,
        "duplicates": dups,
        "similar": _similar(db, keys, submission, main, dups) if is_moderator else [],
        "actions": actions,
        "panel": action_panel(actions, holds_claim=submission.claimed_by_id == actor.id
                              and submission.claimed_until is not None
                              and submission.claimed_until > now),
        "confirm_actions": CONFIRM,
        "open_action": open_action,
        "Action": Action,
        "forms": forms,
        "seen": encode_seen(submission),
        "category_options": [(str(c.id), c.name, 0) for c in categories],
        "unit_options": unit_options(db),
        "route_groups": f.route_groups(db, submission) if Action.accept in actions else [],
        "priority_options": options(Priority),
        "reason_options": options(RejectReason, list(f.REJECT_REASONS)),
        "reply_templates": f.reject_templates(),
        "mode_options": options(HandlingMode),
        "outcome_options": options(Outcome, list(OUTCOMES[submission.kind])),
        "handlers": handlers_by_unit(db) if Action.accept in actions else {},
        "legal_max": handling_due(local_day(now, tz), rules_for(db)),
        "may_view_contact": (is_moderator and not submission.anonymous
                             and may_view_contact(db, actor)),
        "contact": contact,
        "contact_shown": contact_shown,
        "done": DONE.get(_action_or_none(request.query_params.get("done")))
        or done_message(request.query_params.get("done")),
        "qlabel": qlabel, "spam_reasons": spam_reasons,
        **reply_context(db, actor, submission),
        **queue_navigation(db, request, actor, submission, now, tz, form),
    }


def _similar(db: Session, keys: IntakeKeys, submission: Submission,
             main: Submission | None, dups: list[Submission]) -> list[SimilarCase]:
    """Similar cases, without those already linked as duplicates (listed above them)."""
    linked = {d.id for d in dups} | ({main.id} if main else set())
    return [h for h in similar_cases(db, keys, submission) if h.submission_id not in linked]


def _action_or_none(value: str | None) -> Action | None:
    try:
        return Action(value) if value else None
    except ValueError:
        return None


def render_case(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "queue/case.html", context, status_code=status_code,
                  headers={"Cache-Control": "no-store"})


def case_page(request: Request) -> Response:
    """GET /staff/cases/{reference}: the case as this user may see it."""
    actor = queue_actor(request)
    with db_session(request) as db:
        submission = find_case(db, actor, str(request.path_params["reference"]))
        context = case_context(db, request, actor, submission)
        db.commit()  # the thumbnails' audit event, if any
        return render_case(request, context)
