"""POST of one case action: parse, call the domain, commit once, then redirect (303).

Stale or claimed -> the conflict page (409) with the input kept; bad input -> the case
page with the form refilled and the errors next to the fields (422); NotFound and
NotPermitted go to the app's translated error pages (404, 403).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import InvalidTransition, StaleVersion, ValidationFailed
from moderation.workflow import identity
from moderation.workflow.transitions import Action
from portal.notify import notify_update
from portal.queue import forms as f
from portal.queue.case import case_context, render_case
from portal.queue.common import find_case, form_version, queue_actor, tz_of
from portal.queue.conflict import conflict_page
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
    with db_session(request) as db:
        submission = find_case(db, actor, reference)
        assert submission.id is not None
        try:
            done = f.domain_call(action, db, actor, submission.id, version, form, clock,
                                 tz_of(request))()
            db.commit()
        except (StaleVersion, InvalidTransition) as error:
            db.rollback()
            return conflict_page(request, db, actor, reference, action, form, error)
        except ValidationFailed as error:
            db.rollback()
            submission = find_case(db, actor, reference)
            kept = f.posted(action, form)
            kept.errors = f.field_errors(error)
            context = case_context(db, request, actor, submission, overrides={action: kept})
            context["failed"] = action
            return render_case(request, context, status_code=422)
    if action in f.NOTIFYING:
        notify_update(request.app.state.settings, intake_keys(request), done)
    return redirect(f"/staff/cases/{done.reference}?done={action.value}")


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
        return render_case(request, context)
