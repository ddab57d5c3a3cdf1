"""POST of one case action: parse, call the domain, commit once, then redirect (303).

Stale or claimed -> the conflict page (409) with the input kept; bad input -> the case
page with the form refilled and the errors next to the fields (422); NotFound and
NotPermitted go to the app's translated error pages (404, 403).

Destructive actions (reject, mark duplicate, conclude) sent with `step=review` (their
button) are tried and rolled back, and a confirmation page shows what the citizen will
see; its own button sends the same values without the step.
"""

from __future__ import annotations

import logging

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import InvalidTransition, StaleVersion, ValidationFailed
from moderation.roles import Actor
from moderation.workflow import identity
from moderation.workflow.transitions import Action
from portal.notify import notify_update
from portal.queue import forms as f
from portal.queue.case import case_context, render_case
from portal.queue.common import find_case, form_text, form_version, queue_actor, tz_of
from portal.queue.confirm import citizen_preview, confirm_page
from portal.queue.conflict import conflict_page
from portal.queue.navigation import carried, case_url
from portal.queue.thread import CONFIRM
from portal.track.common import intake_keys
from portal.web import db_session, redirect

log = logging.getLogger("portal.queue")


async def case_action(request: Request) -> Response:
    """POST /staff/cases/{reference}/{action}: one workflow action on one case."""
    form = await request.form()
    return await run_in_threadpool(_act, request, form)


def _act(request: Request, form: FormData) -> Response:
    try:
        action = Action(str(request.path_params["action"]))
    except ValueError:
        raise HTTPException(status_code=404) from None
    reference = str(request.path_params["reference"])
    actor = queue_actor(request)
    version = form_version(form)
    clock = request.app.state.clock
    step = form_text(form, "step")
    reviewing = action in CONFIRM and step == "review"
    with db_session(request) as db:
        submission = find_case(db, actor, reference)
        assert submission.id is not None
        if action in CONFIRM and step == "edit":
            return _case_again(request, db, actor, reference, action, form, 200)
        try:
            done = f.domain_call(action, db, actor, submission.id, version, form, clock,
                                 tz_of(request))()
            if reviewing:
                # A dry run: the input is valid and the state allows it; show what the
                # citizen will see, change nothing until the user confirms.
                preview = citizen_preview(db, action, done, form)
                db.rollback()
                return confirm_page(request, db, actor, reference, action, form, preview)
            db.commit()
        except (StaleVersion, InvalidTransition) as error:
            db.rollback()
            return conflict_page(request, db, actor, reference, action, form, error)
        except ValidationFailed as error:
            db.rollback()
            return _case_again(request, db, actor, reference, action, form, 422,
                               f.field_errors(error))
    if action in f.NOTIFYING:
        notify_update(request.app.state.settings, intake_keys(request), done)
    return redirect(case_url(done.reference, carried(request, form), done=action.value)
                    + "#case-top")


def _case_again(request: Request, db: Session, actor: Actor, reference: str,
                action: Action, form: FormData, status: int,
                errors: dict[str, str] | None = None) -> Response:
    """The case page with this action's form open and refilled (errors beside fields)."""
    submission = find_case(db, actor, reference)
    kept = f.posted(action, form)
    kept.errors = errors or {}
    context = case_context(db, request, actor, submission, overrides={action: kept},
                           open_action=action, form=form)
    if errors:
        context["failed"] = action
    db.commit()  # the thumbnails' audit event, if any
    return render_case(request, context, status_code=status)


def show_contact(request: Request) -> Response:
    """POST /staff/cases/{reference}/contact: the sealed contact details, for granted
    moderators only; each view is an audit event. Shown once in the response, never
    stored in a URL, a cookie or a cache."""
    actor = queue_actor(request)
    with db_session(request) as db:
        submission = find_case(db, actor, str(request.path_params["reference"]))
        contact = identity.view_contact(db, actor, submission, intake_keys(request),
                                        clock=request.app.state.clock)
        db.commit()
        context = case_context(db, request, actor, submission, contact=contact,
                               contact_shown=True)
        db.commit()  # the thumbnails' audit event, if any
        return render_case(request, context)
