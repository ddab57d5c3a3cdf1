"""The citizen's forms: choose, fill in (files streamed), confirm, send, get the receipt.

Flow: GET the form (it carries a signed nonce) -> POST it: files are streamed into an
encrypted draft and the confirmation page shows exactly what will be sent -> "Send"
hands the draft to the domain, commits, then shows the receipt; "Change" brings the
form back filled in. Sending the same form again (double click, reload, back button)
shows the same receipt and stores nothing new: the receipt is derived from the nonce.
"""

from __future__ import annotations

import asyncio
import shutil
import time

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import ValidationFailed
from moderation.intake.errors import FormReused, FormTokenInvalid
from moderation.intake.files import StoredUpload, UploadBatch, UploadLimits, new_envelope
from moderation.intake.handover import resume_handover, start_handover
from moderation.intake.messages import FILE_MESSAGES
from moderation.intake.receipts import issue_form_nonce, open_form_nonce
from moderation.intake.service import IntakeResult, submit_suggestion, submit_tip
from moderation.intake.validation import validate_suggestion, validate_tip
from moderation.ratelimit import Decision
from portal.errors import error_page
from portal.intake.config import intake_config
from portal.intake.fields import (
    FORM_TOKEN,
    from_data,
    honeypot_filled,
    kept_indexes,
    refill_values,
    suggestion_input,
    tip_input,
    to_data,
    typed_values,
)
from portal.intake.handover import (
    CITIZEN_RECEIPT_PATH,
    browser_secret,
    forget_handover,
    receipt_facts,
    sent_submission,
    take_receipt,
    to_receipt_page,
)
from portal.intake.pages import (
    DRAFT_GONE,
    FILES_GONE,
    FORM_CHOICES,
    METADATA_LABELS,
    NO_STORE,
    STREAM_MESSAGES,
    SUGGESTION,
    TIP,
    FormKind,
    FormState,
    blank_form_page,
    cached_policy,
    chosen_names,
    form_page,
    human_size,
    receipt_page,
    refused,
    too_many,
)
from portal.intake.pending import Claim, Draft, PendingStore, ResumedBatch, part_path
from portal.intake.throttle import count_hits
from portal.intake.upload import ReceivedForm, receive_form
from portal.slotted_pages import render_slotted
from portal.streaming_form import FormRejected
from portal.templating import render
from portal.web import db_session, redirect
from portal.worker_cache import cached

SEND_WAIT_SECONDS = 10.0


async def choose(request: Request) -> Response:
    """Tip or suggestion, and what anonymous and real-name mean (rendered once per
    worker and language: async because it needs no database and so no thread)."""
    return render_slotted(request, "intake/choose.html", {}, sources=(), slots={},
                          headers=NO_STORE)


def _fresh_token(request: Request, kind: FormKind) -> str:
    return issue_form_nonce(intake_config(request).keys, kind.purpose, request.app.state.clock)


async def _blank_form(request: Request, kind: FormKind) -> Response:
    return await blank_form_page(request, kind, lambda: _fresh_token(request, kind))


async def tip_form(request: Request) -> Response:
    """The tip form (举报)."""
    return await _blank_form(request, TIP)


async def suggestion_form(request: Request) -> Response:
    """The suggestion form (意见建议)."""
    return await _blank_form(request, SUGGESTION)


def back_to_form(request: Request) -> Response:
    """A GET of a POST-only step (e.g. after a language switch) goes back to the form."""
    return redirect(request.url.path.rsplit("/", 1)[0])


async def tip_post(request: Request) -> Response:
    return await _form_posted(request, TIP)


async def suggestion_post(request: Request) -> Response:
    return await _form_posted(request, SUGGESTION)


async def tip_confirm(request: Request) -> Response:
    return await _confirmed(request, TIP)


async def suggestion_confirm(request: Request) -> Response:
    return await _confirmed(request, SUGGESTION)


# --- step 1: the form ------------------------------------------------------------------

def _admit(request: Request, store: PendingStore) -> Decision | UploadBatch:
    """Count the POST against the rate limits; its upload batch, or the refusal.

    One trip to a worker thread and one transaction for both: under load each trip costs
    a thread wake-up, and each transaction a connection check-out and two round trips.
    The reference is drawn first, so the counters' commit ends the transaction.
    """
    with db_session(request) as session:
        envelope = new_envelope(session)
        decision = count_hits(request, session, "form")
        if decision is not None:
            return decision
    return UploadBatch(store.new_upload_folder(), envelope, intake_config(request).limits)


async def _form_posted(request: Request, kind: FormKind) -> Response:
    store = PendingStore(intake_config(request))
    admitted = await run_in_threadpool(_admit, request, store)
    if isinstance(admitted, Decision):
        return too_many(request, admitted)
    batch = admitted
    try:
        return await _take_form(request, kind, store, batch)
    finally:
        # Saved drafts have been moved away; anything still here was refused.
        shutil.rmtree(batch.upload_dir, ignore_errors=True)


def _validate(request: Request, kind: FormKind, data: object) -> tuple[object, dict[str, str]]:
    """The form's values checked; units and categories the form offers are taken from the
    worker's cache (Send checks them in the database again)."""
    rules = cached_policy(request).text
    choices = cached(request, FORM_CHOICES)
    with db_session(request) as session:  # connects only to look up an id not offered
        try:
            if kind is TIP:
                units = {unit_id for unit_id, _name, _depth in choices.units}
                return validate_tip(session, data, rules, units), {}  # type: ignore[arg-type]
            categories = {category_id for category_id, _name in choices.categories}
            return validate_suggestion(session, data, rules, categories), {}  # type: ignore[arg-type]
        except ValidationFailed as exc:
            return None, exc.errors


async def _take_form(request: Request, kind: FormKind, store: PendingStore,
                     batch: UploadBatch) -> Response:
    config = intake_config(request)
    try:
        received = await receive_form(request, batch, config.stream_limits, config.body_limit,
                                      finish_files=False)
    except FormRejected as exc:
        return refused(request, exc.status, STREAM_MESSAGES.get(exc.reason))
    return await run_in_threadpool(_take_received, request, kind, store, batch, received)


def _take_received(request: Request, kind: FormKind, store: PendingStore, batch: UploadBatch,
                   received: ReceivedForm) -> Response:
    """Check the received form and answer it: the confirmation page, or the form again.

    All in one trip to a worker thread (files are cleaned, validation reads the database,
    the draft is written to disk, the page is rendered): under load each trip waits
    behind every other request of the worker. Files are cleaned only for a form that
    passed the honeypot and carries a valid form token.
    """
    config = intake_config(request)
    if honeypot_filled(received.fields):
        batch.abort()
        return refused(request, 400)
    typed = typed_values(received.fields)
    values = refill_values(typed)
    had_files = bool(received.sinks)
    token = str(received.fields.get(FORM_TOKEN) or "")
    try:
        nonce = open_form_nonce(config.keys, token, kind.purpose, request.app.state.clock)
    except FormTokenInvalid as exc:
        batch.abort()
        state = FormState(values=values, notice=exc.message, files_dropped=had_files)
        return form_page(request, kind, _fresh_token(request, kind), state, 400)
    received.finish_files(batch)

    previous = store.load(nonce)
    if previous is not None and previous.kind != kind.name:
        previous = None
    keep = kept_indexes(received.fields)
    kept = [f for i, f in enumerate(previous.files) if i in keep] if previous else []
    data, errors = (tip_input if kind is TIP else suggestion_input)(typed)
    cleaned, domain_errors = _validate(request, kind, data)
    errors.update(domain_errors)
    file_errors = received.file_errors
    new_files = list(batch.finished)
    cap_errors = _cap_errors(config.limits, kept, new_files)
    file_errors += cap_errors
    over_caps = cap_errors or any(
        sink.error.code in ("too_many", "total_too_large")
        for sink in received.sinks if sink.error is not None)
    if file_errors and new_files and not errors and not over_caps:
        # Some files were refused (a bomb, a wrong type): keep the good ones in a draft,
        # as "Change" does, so the citizen attaches only what was refused again.
        draft = Draft(kind.name, batch.envelope.reference, batch.envelope.data_key, values,
                      to_data(cleaned), [*kept, *new_files])  # type: ignore[arg-type]
        store.save(nonce, draft, batch.upload_dir, previous, kept)
        state = FormState(values=values, file_errors=file_errors, kept=draft.files,
                          keep=set(range(len(draft.files))))
        return form_page(request, kind, token, state, 422)
    if errors or file_errors:
        batch.abort()
        state = FormState(values=values, errors=errors, file_errors=file_errors,
                          kept=previous.files if previous else [], keep=keep,
                          files_dropped=bool(new_files) or bool(file_errors))
        return form_page(request, kind, token, state, 422)

    envelope = previous.envelope if (previous and kept and not new_files) else batch.envelope
    draft = Draft(kind.name, envelope.reference, envelope.data_key, values,
                  to_data(cleaned), [*kept, *new_files])  # type: ignore[arg-type]
    store.save(nonce, draft, batch.upload_dir, previous, kept)
    _clean_if_due(request, store)
    return confirm_page(request, kind, draft, token)


def _clean_if_due(request: Request, store: PendingStore) -> None:
    """Delete day-old drafts, at most once a minute per worker (`IntakeChores`)."""
    state = request.app.state
    if state.intake_chores.drafts.due(state.clock()):
        store.clean()


def _cap_errors(limits: UploadLimits, kept: list[StoredUpload],
                new_files: list[StoredUpload]) -> list[tuple[str, str]]:
    """Caps over the files kept from the draft and the new ones together."""
    if not kept:
        return []
    if len(kept) + len(new_files) > limits.count:
        return [("", FILE_MESSAGES["too_many"])]
    if sum(f.size for f in [*kept, *new_files]) > limits.total_bytes:
        return [("", FILE_MESSAGES["total_too_large"])]
    return []


def confirm_page(request: Request, kind: FormKind, draft: Draft, token: str) -> Response:
    """Exactly what will be sent, with "Send" and "Change"."""
    data = from_data(draft.kind, draft.data)
    unit, category = chosen_names(request, getattr(data, "unit_concerned_id", None),
                                  getattr(data, "category_id", None))
    files = [{"name": f.display_name, "size": human_size(f.size), "type": f.media_type,
              "metadata": METADATA_LABELS[f.metadata_status],
              "stripped": f.metadata_status.value} for f in draft.files]
    summary = {"kind": kind, "data": data, "unit": unit, "category": category, "files": files}

    def what_will_be_sent() -> str:
        env = request.app.state.templates.env
        return env.get_template("intake/_confirm_summary.html").render(summary)

    # The page around the summary is the same for every form of a kind: rendered once per
    # kind and language, with the tokens and the summary set in per request. The summary,
    # the citizen's own text, goes in last, so nothing in it is read as a placeholder.
    return render_slotted(request, "intake/confirm.html", {"kind": kind}, sources=(),
                          slots={"form_token": lambda: token, "summary": what_will_be_sent},
                          headers=NO_STORE, variant=(kind.name,))


# --- step 2: send or change ---------------------------------------------------------------

async def _confirmed(request: Request, kind: FormKind) -> Response:
    config = intake_config(request)
    form = await request.form()
    action = form.get("action")
    token = str(form.get(FORM_TOKEN) or "")
    try:
        nonce = open_form_nonce(config.keys, token, kind.purpose, request.app.state.clock)
    except FormTokenInvalid as exc:
        state = FormState(notice=exc.message, files_dropped=True)
        return await run_in_threadpool(form_page, request, kind, _fresh_token(request, kind),
                                       state, 400)
    store = PendingStore(config)
    if action == "change":
        draft = store.load(nonce)
        if draft is None or draft.kind != kind.name:
            return await _draft_gone(request, kind, nonce)
        state = FormState(values=draft.values, kept=draft.files,
                          keep=set(range(len(draft.files))))
        return await run_in_threadpool(form_page, request, kind, token, state)
    if action != "send":
        return error_page(request, 400, headers=NO_STORE)
    sent = await run_in_threadpool(_claim_and_send, request, kind, store, token, nonce)
    return sent if sent is not None else await _draft_gone(request, kind, nonce)


def _claim_and_send(request: Request, kind: FormKind, store: PendingStore, token: str,
                    nonce: bytes) -> Response | None:
    """Count the Send, claim the draft and send it; None when there is no draft to claim.

    One trip to a worker thread for all three: each trip costs a thread wake-up under load.
    The Send is counted in the transaction that stores the submission (a transaction
    fewer per citizen, see `count_hits`): every path commits it, or counts again after a
    rollback (`_roll_back`).
    """
    with db_session(request) as session:
        decision = count_hits(request, session, "send", commit=False)
        if decision is not None:
            return too_many(request, decision)
        claim = store.claim(nonce)
        if claim is None or claim.draft.kind != kind.name:
            session.commit()
            if claim is not None:
                claim.release()
            return None
        return _send(request, kind, claim, token, nonce, session)


def _roll_back(request: Request, session: Session) -> None:
    """Undo a Send's transaction, and count the Send again (its count was in it)."""
    session.rollback()
    count_hits(request, session, "send")


async def _draft_gone(request: Request, kind: FormKind, nonce: bytes) -> Response:
    """No draft: it was sent already, is being sent, or has expired."""
    store = PendingStore(intake_config(request))
    deadline = time.monotonic() + SEND_WAIT_SECONDS
    while True:
        sent = await run_in_threadpool(_resume, request, nonce)
        if sent is not None:
            return sent
        if not store.being_sent(nonce) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)  # a twin request is committing this very form
    state = FormState(notice=DRAFT_GONE, files_dropped=True)
    return await run_in_threadpool(form_page, request, kind, _fresh_token(request, kind),
                                   state, 400)


def _resume(request: Request, nonce: bytes) -> Response | None:
    """For a form already sent: the receipt again if this browser may still see it (its
    first answer was lost), else "already sent" without the code. None if not sent."""
    with db_session(request) as session:
        if sent_submission(session, request, nonce) is None:
            return None
        token = resume_handover(session, intake_config(request).keys, nonce,
                                browser_secret(request), request.app.state.clock)
    if token is None:
        return already_sent(request, 409)
    return to_receipt_page(request, token, CITIZEN_RECEIPT_PATH)


def already_sent(request: Request, status: int = 200) -> Response:
    """This form was sent and its receipt shown (or offered to another browser)."""
    return render(request, "intake/already_sent.html", status_code=status, headers=NO_STORE)


def receipt(request: Request) -> Response:
    """The receipt, once: the handover cookie set by Send is consumed here."""
    view = take_receipt(request)
    response = receipt_page(request, view) if view else already_sent(request)
    return forget_handover(request, response, CITIZEN_RECEIPT_PATH)


def _send(request: Request, kind: FormKind, claim: Claim, token: str, nonce: bytes,
          session: Session) -> Response:
    config = intake_config(request)
    if not all(part_path(claim.folder, f).exists() for f in claim.draft.files):
        # An attempt cut short by a crash promoted files: if it also committed, this very
        # draft is the submission, and the browser gets its receipt as any retry would.
        sent = _resume(request, nonce)
        if sent is not None:
            session.commit()
            claim.discard()
            return sent
    try:
        batch = ResumedBatch(config.upload_dir, claim, config.limits)
    except OSError:  # the draft lost its files: the form comes back, files to attach again
        session.commit()
        claim.discard()
        state = FormState(values=claim.draft.values, notice=FILES_GONE, files_dropped=True)
        return form_page(request, kind, token, state, 400)
    data = from_data(claim.draft.kind, claim.draft.data)
    submit = submit_tip if kind is TIP else submit_suggestion
    try:
        result: IntakeResult = submit(session, config.keys, token, data,  # type: ignore[operator]
                                      uploads=batch, clock=request.app.state.clock,
                                      policy=cached_policy(request))
        if result.created:
            handover = start_handover(session, config.keys, nonce, browser_secret(request),
                                      request.app.state.clock,
                                      shown=receipt_facts(result.submission))
        else:  # a twin request stored it first: answer as a retry would be answered
            handover = resume_handover(session, config.keys, nonce,
                                       browser_secret(request), request.app.state.clock)
        session.commit()  # files were promoted and fsynced just before
    except ValidationFailed as exc:
        _roll_back(request, session)
        batch.abort()
        claim.release()
        state = FormState(values=claim.draft.values, errors=exc.errors,
                          kept=claim.draft.files, keep=set(range(len(claim.draft.files))))
        return form_page(request, kind, token, state, 422)
    except FormReused as exc:
        _roll_back(request, session)
        batch.abort()
        claim.discard()
        return refused(request, 409, exc.message)
    except FormTokenInvalid as exc:
        _roll_back(request, session)
        batch.abort()
        claim.discard()
        state = FormState(values=claim.draft.values, notice=exc.message, files_dropped=True)
        return form_page(request, kind, _fresh_token(request, kind), state, 400)
    except BaseException:
        session.rollback()
        batch.abort()
        claim.release()
        raise
    claim.discard()
    if handover is None:
        return already_sent(request, 409)
    return to_receipt_page(request, handover, CITIZEN_RECEIPT_PATH)
