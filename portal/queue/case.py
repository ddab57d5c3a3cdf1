"""The case page: content, people, files, timeline, history, deadlines, links, hints, and
the forms of the actions `allowed_actions` gives this user. GET never changes state."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import AuditEvent
from moderation.intake import followup
from moderation.intake.deadlines import handling_due, local_day, rules_for
from moderation.intake.models import (
    CaseMessage,
    Category,
    HandlingMode,
    MessageAuthor,
    Outcome,
    Priority,
    RejectReason,
    Submission,
    SubmissionFile,
)
from moderation.intake.storage import Contact
from moderation.intake.texts import case_texts
from moderation.queue.similar import similar_cases
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
from portal.queue.labels import options, qlabel
from portal.templating import render
from portal.track.common import intake_keys
from portal.track.staff_files import download_name
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

HISTORY = {
    "submission.claim": N_("Claimed"), "submission.release": N_("Released the claim"),
    "submission.classify": N_("Classified"), "submission.reject": N_("Not accepted"),
    "submission.mark_duplicate": N_("Marked as duplicate"),
    "submission.accept": N_("Accepted and routed"),
    "submission.reply": N_("Replied to the citizen"),
    "submission.note": N_("Added an internal note"),
    "submission.ask": N_("Asked the citizen"),
    "submission.question": N_("Asked the citizen"),
    "submission.start_verification": N_("Started verification"),
    "submission.extend": N_("Extended the deadline"),
    "submission.conclude": N_("Concluded"), "submission.reopen": N_("Reopened"),
    "submission.uphold": N_("Upheld the conclusion"),
    "submission.file_download": N_("Downloaded a file"),
    "identity.view": N_("Viewed the contact details"),
}


@dataclass(frozen=True)
class FileLink:
    url: str
    name: str
    size: int
    media_type: str
    metadata_kept: bool


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str


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


def _files(db: Session, submission: Submission) -> list[FileLink]:
    rows = db.exec(select(SubmissionFile).where(
        col(SubmissionFile.submission_id) == submission.id).order_by(col(SubmissionFile.id)))
    return [FileLink(f"/staff/submissions/{submission.reference}/files/{row.id}",
                     download_name(submission, row), row.size, row.media_type,
                     row.metadata_status.value == "kept") for row in rows]


def _history(db: Session, submission: Submission) -> list[HistoryEntry]:
    rows = db.exec(select(AuditEvent).where(
        col(AuditEvent.target_type) == "submission",
        col(AuditEvent.target_id) == str(submission.id)).order_by(col(AuditEvent.seq)))
    return [HistoryEntry(row.at, row.actor_label, HISTORY.get(row.action, row.action))
            for row in rows]


def case_context(db: Session, request: Request, actor: Actor, submission: Submission, *,
                 overrides: dict[Action, f.FormState] | None = None,
                 contact: Contact | None = None, contact_shown: bool = False
                 ) -> dict[str, Any]:
    """Everything the case page shows to `actor` (never contact details unless shown)."""
    now = request.app.state.clock()
    tz = tz_of(request)
    actions = allowed_actions(submission, actor, now)
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
    keys = intake_keys(request)
    return {
        "case": submission,
        "texts": case_texts(keys, submission),
        "actor_role": actor.role.value if actor.role else "",
        "due": deadlines.due_on(submission),
        "overdue": deadlines.is_overdue(submission, now, tz),
        "units": unit_names(db),
        "names": staff_names(db, people),
        "category": db.get(Category, submission.category_id) if submission.category_id
        else None,
        "messages": messages,
        "citizen": MessageAuthor.citizen,
        "history": _history(db, submission),
        "files": _files(db, submission),
        "rating": followup.current_rating(db, submission),
        "review": followup.current_review(db, submission),
        "main_case": main,
        "duplicates": duplicates_of(db, submission.id) if submission.id else [],
        "similar": similar_cases(db, keys, submission) if is_moderator else [],
        "actions": actions,
        "Action": Action,
        "forms": forms,
        "seen": encode_seen(submission),
        "category_options": [(str(c.id), c.name, 0) for c in categories],
        "unit_options": unit_options(db),
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
        "done": DONE.get(_action_or_none(request.query_params.get("done"))),
        "qlabel": qlabel,
    }


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
        return render_case(request, case_context(db, request, actor, submission))
