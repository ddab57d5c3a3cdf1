"""The second step of a destructive action: what the citizen will see, then confirm.

The action has been tried and rolled back, so the page only appears for input the
domain accepts; confirming posts the same values again (with the version the user saw,
so a change meanwhile still leads to the conflict page).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.models import Submission
from moderation.roles import Actor
from moderation.workflow.transitions import Action
from portal.queue import forms as f
from portal.queue.common import find_case, form_text
from portal.queue.labels import qlabel, state_label
from portal.queue.navigation import carried
from portal.templating import render


@dataclass(frozen=True)
class CitizenPreview:
    """What the citizen's track page will say after the action."""

    status: str
    detail: str
    reply: str


def citizen_preview(db: Session, action: Action, done: Submission,
                    form: FormData) -> CitizenPreview:
    """Read from the (not yet committed) result of the action."""
    main = db.get(Submission, done.duplicate_of_id) if done.duplicate_of_id else None
    detail = ""
    if action == Action.reject and done.reject_reason is not None:
        detail = qlabel(done.reject_reason)
    elif action == Action.conclude and done.outcome is not None:
        detail = qlabel(done.outcome)
    return CitizenPreview(state_label(done, main), detail, form_text(form, "public_reply"))


def confirm_page(request: Request, db: Session, actor: Actor, reference: str,
                 action: Action, form: FormData, preview: CitizenPreview) -> Response:
    """200: the confirmation, every value carried in hidden fields."""
    submission = find_case(db, actor, reference)
    values = f.posted(action, form).values
    return render(request, "queue/confirm.html", {
        "case": submission, "action": action, "values": values, "preview": preview,
        "version": form_text(form, "version"), "seen": form_text(form, "seen"),
        "queue_params": carried(request, form), "qlabel": qlabel,
    }, headers={"Cache-Control": "no-store"})
