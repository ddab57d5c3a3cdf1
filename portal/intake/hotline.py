"""Hotline intake: a moderator registers a tip or suggestion received by phone, letter,
visit or email on the caller's behalf, then reads the receipt back to the caller.

Moderators only (admins do not handle tips: separation of duties). One step: the
moderator has checked the details with the caller; the domain audits the registration.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import ValidationFailed
from moderation.intake import messages as m
from moderation.intake.errors import FormReused, FormTokenInvalid
from moderation.intake.files import UploadBatch, new_envelope
from moderation.intake.handover import resume_handover, start_handover
from moderation.intake.models import Channel
from moderation.intake.receipts import issue_form_nonce, open_form_nonce
from moderation.intake.service import STAFF_CHANNELS, register_by_phone
from moderation.intake.validation import (
    SuggestionInput,
    TextRules,
    TipInput,
    validate_suggestion,
    validate_tip,
)
from portal.accounts.permissions import actor_of, staff_user
from portal.intake.config import intake_config
from portal.intake.fields import (
    FORM_TOKEN,
    refill_values,
    suggestion_input,
    tip_input,
    typed_values,
)
from portal.intake.handover import (
    STAFF_RECEIPT_PATH,
    browser_secret,
    forget_handover,
    take_receipt,
    to_receipt_page,
)
from portal.intake.pages import (
    CHANNEL_LABELS,
    NO_STORE,
    STREAM_MESSAGES,
    FormState,
    form_context,
    policy_of,
    receipt_page,
    refused,
)
from portal.intake.upload import receive_form
from portal.streaming_form import FormRejected
from portal.templating import render
from portal.web import db_session

PURPOSE = "register"


def _page(request: Request, token: str, state: FormState, status: int = 200) -> Response:
    context = {**form_context(request, token, state),
               "channels": [(c.value, CHANNEL_LABELS[c]) for c in STAFF_CHANNELS]}
    context["values"] = {"kind": "tip", "channel": "phone", **context["values"]}
    return render(request, "intake/staff_new.html", context, status_code=status,
                  headers=NO_STORE)


def _token(request: Request) -> str:
    return issue_form_nonce(intake_config(request).keys, PURPOSE, request.app.state.clock)


def hotline_form(request: Request) -> Response:
    """The registration form."""
    return _page(request, _token(request), FormState())


def _new_batch(request: Request) -> UploadBatch:
    config = intake_config(request)
    with db_session(request) as session:
        envelope = new_envelope(session)
    return UploadBatch(config.upload_dir, envelope, config.limits)


async def hotline_register(request: Request) -> Response:
    """Register the caller's submission and show the receipt to read back."""
    config = intake_config(request)
    batch = await run_in_threadpool(_new_batch, request)
    try:
        received = await receive_form(request, batch, config.stream_limits, config.body_limit)
    except FormRejected as exc:
        return refused(request, exc.status, STREAM_MESSAGES.get(exc.reason))
    typed = typed_values(received.fields)
    values = refill_values(typed)
    token = str(received.fields.get(FORM_TOKEN) or "")
    if received.file_errors:
        batch.abort()
        state = FormState(values=values, file_errors=received.file_errors, files_dropped=True)
        return await run_in_threadpool(_page, request, token, state, 422)
    return await run_in_threadpool(_register, request, batch, typed, token,
                                   bool(received.sinks))


def _domain_errors(session: Session, data: TipInput | SuggestionInput) -> dict[str, str]:
    """What the domain would say too, so the moderator sees every problem at once."""
    try:
        if isinstance(data, TipInput):
            validate_tip(session, data, TextRules())
        else:
            validate_suggestion(session, data, TextRules())
    except ValidationFailed as exc:
        return exc.errors
    return {}


def _register(request: Request, batch: UploadBatch, typed: dict[str, str], token: str,
              had_files: bool) -> Response:
    config = intake_config(request)
    values = refill_values(typed)
    kind = values.get("kind", "tip")
    data, errors = (suggestion_input if kind == "suggestion" else tip_input)(typed)
    channel = values.get("channel", "")
    if channel not in {c.value for c in STAFF_CHANNELS}:
        errors["channel"] = m.BAD_CHANNEL
    if kind not in ("tip", "suggestion"):
        errors["kind"] = m.REQUIRED
    with db_session(request) as session:
        try:
            if errors:
                raise ValidationFailed({**_domain_errors(session, data), **errors})
            result = register_by_phone(session, config.keys, actor_of(staff_user(request)),
                                       token, Channel(channel), data, uploads=batch,
                                       clock=request.app.state.clock,
                                       policy=policy_of(session, config))
            handover = _handover(request, session, token, created=result.created)
            session.commit()
        except ValidationFailed as exc:
            session.rollback()
            batch.abort()
            state = FormState(values=values, errors={**errors, **exc.errors},
                              files_dropped=had_files)
            return _page(request, token, state, 422)
        except FormTokenInvalid as exc:
            session.rollback()
            batch.abort()
            state = FormState(values=values, notice=exc.message, files_dropped=had_files)
            return _page(request, _token(request), state, 400)
        except FormReused as exc:
            session.rollback()
            batch.abort()
            return refused(request, 409, exc.message)
        except BaseException:
            session.rollback()
            batch.abort()
            raise
    if handover is None:
        return refused(request, 409, m.ALREADY_REGISTERED)
    return to_receipt_page(request, handover, STAFF_RECEIPT_PATH)


def _handover(request: Request, session: Session, token: str, *, created: bool) -> str | None:
    """This moderator's browser may be shown the receipt once (again, after a lost answer)."""
    config = intake_config(request)
    nonce = open_form_nonce(config.keys, token, PURPOSE, request.app.state.clock)
    start = start_handover if created else resume_handover
    return start(session, config.keys, nonce, browser_secret(request), request.app.state.clock)


def hotline_receipt(request: Request) -> Response:
    """The receipt to read back to the caller, shown once."""
    view = take_receipt(request)
    if view is None:
        response = render(request, "intake/staff_already_registered.html", headers=NO_STORE)
    else:
        response = receipt_page(request, view, "intake/staff_receipt.html",
                                {"channel_label": CHANNEL_LABELS[Channel(view.channel)]})
    return forget_handover(request, response, STAFF_RECEIPT_PATH)
