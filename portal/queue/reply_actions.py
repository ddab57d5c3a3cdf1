"""POSTs of the case page's public reply (回复公开): write, approve (publish), unpublish.

Parse, call `moderation.replies.service`, commit once, redirect (303); bad input (422) or
a stale or refused step (409) shows the case again with the typed text kept.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import InvalidTransition, StaleVersion, ValidationFailed
from moderation.replies import service
from moderation.replies.transitions import Step
from moderation.roles import Actor
from portal.queue.case import case_context, render_case
from portal.queue.common import find_case, queue_actor, tz_of
from portal.queue.forms import FormState
from portal.queue.public_reply import STALE, reply_context
from portal.web import db_session, redirect

FIELDS = {Step.write: ("summary", "reply"), Step.approve: (), Step.unpublish: ("reason",)}
TEXT_MAX = 20_000


async def reply_step(request: Request) -> Response:
    """POST /staff/cases/{reference}/public-reply/{step}."""
    form = await request.form()
    return await run_in_threadpool(_step, request, form)


def _version(form: FormData) -> int | None:
    raw = str(form.get("reply_version") or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise HTTPException(status_code=400)
    return int(raw)


def _step(request: Request, form: FormData) -> Response:
    try:
        step = Step(str(request.path_params["step"]))
    except ValueError:
        raise HTTPException(status_code=404) from None
    values = {name: str(form.get(name) or "")[:TEXT_MAX] for name in FIELDS[step]}
    version = _version(form)
    if step != Step.write and version is None:
        raise HTTPException(status_code=400)
    actor = queue_actor(request)
    clock = request.app.state.clock
    reference = str(request.path_params["reference"])
    with db_session(request) as db:
        submission = find_case(db, actor, reference)
        assert submission.id is not None
        try:
            if step == Step.write:
                service.write(db, actor, submission.id, version, summary=values["summary"],
                              reply_text=values["reply"], clock=clock, tz=tz_of(request))
            elif step == Step.approve:
                service.approve(db, actor, submission.id, version or 0, clock=clock)
            else:
                service.unpublish(db, actor, submission.id, version or 0, values["reason"],
                                  clock=clock)
            db.commit()
        except ValidationFailed as error:
            db.rollback()
            errors = {("reason" if k == "unpublish_reason" else k): v
                      for k, v in error.errors.items()}
            return _again(request, db, actor, reference, values, errors, "", 422)
        except (StaleVersion, InvalidTransition) as error:
            db.rollback()
            notice = str(error) if isinstance(error, InvalidTransition) and \
                str(error) in (service.NO_CONSENT, service.NOT_CONCLUDED) else STALE
            return _again(request, db, actor, reference, values, {}, notice, 409)
    return redirect(f"/staff/cases/{reference}?done=reply-{step.value}#public-reply-title")


def _again(request: Request, db: Session, actor: Actor, reference: str,
           values: dict[str, str], errors: dict[str, str], notice: str,
           status_code: int) -> Response:
    submission = find_case(db, actor, reference)
    context = case_context(db, request, actor, submission)
    shown = context["reply_form"].values
    context.update(reply_context(db, actor, submission,
                                 FormState({**shown, **values}, errors), notice))
    return render_case(request, context, status_code=status_code)

