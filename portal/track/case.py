"""The citizen's case page and what they can do on it: add information, answer a
question, rate the conclusion, request a review. Every handler works from the session's
submission id; nothing here takes a case id from the request."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import NotFound, ValidationFailed
from moderation.intake import followup
from moderation.intake.errors import FileRejected
from moderation.intake.files import UploadBatch
from moderation.intake.followup import FollowupRefused
from moderation.intake.models import Rating, Submission, SubmissionKind, SubmissionState
from moderation.intake.public_status import main_case, public_view
from moderation.intake.texts import case_texts
from moderation.ledger.cases import items_for_submission
from portal.locale_context import lazy_gettext as N_
from portal.streaming_form import FormRejected
from portal.templating import render
from portal.track.common import clock_rules, intake_keys, settings_of
from portal.track.session import case_of_session
from portal.track.uploads import FilesRefused, max_body, read_followup_form, rejection
from portal.web import db_session, redirect

CASE_URL = "/track/case"
FILE_REASONS = {"too_many_files", "file_too_large", "total_too_large"}
START_URL = "/track?ended=1"
TEXT_MAX = 10_000
DONE = {
    "message": N_("Your information was added to your case."),
    "answer": N_("Your answer was sent."),
    "rating": N_("Thank you. Your rating was recorded."),
    "review": N_("Your request for a review was sent. A moderator will decide on it."),
}
RATINGS = [
    (Rating.satisfied, N_("Satisfied")),
    (Rating.mostly, N_("Mostly satisfied")),
    (Rating.dissatisfied, N_("Dissatisfied")),
]
KINDS = {SubmissionKind.tip: N_("Tip"), SubmissionKind.suggestion: N_("Suggestion")}


@dataclass(frozen=True)
class Deadline:
    label: str  # English message id
    due: date
    note: str = ""


@dataclass
class FormState:
    """The form that failed (by name), its errors and what the citizen typed."""

    name: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)


def _session_case(request: Request, db: Session) -> Submission | None:
    submission_id = case_of_session(request, db)
    return db.get(Submission, submission_id) if submission_id else None


def _deadlines(db: Session, submission: Submission, tz: str) -> list[Deadline]:
    state = submission.state
    found = []
    if state in (SubmissionState.new, SubmissionState.in_review):
        found.append(Deadline(N_("Decision on acceptance due by"), submission.decision_due_on))
    if state in (SubmissionState.accepted, SubmissionState.verifying) \
            and submission.handling_due_on is not None:
        note = N_("The time for handling was extended once.") if submission.extended else ""
        found.append(Deadline(N_("Handling due by"), submission.handling_due_on, note))
    window = followup.review_window(submission, clock_rules(db), tz)
    if window is not None:
        found.append(Deadline(N_("Review may be requested until"), window))
    return found


def _case_context(request: Request, db: Session, submission: Submission,
                  form: FormState) -> dict[str, Any]:
    settings = settings_of(request)
    keys = intake_keys(request)
    now = request.app.state.clock()
    rules = clock_rules(db)
    main = main_case(db, submission)
    timeline = followup.citizen_timeline(db, keys, submission)
    done = request.query_params.get("done", "")
    return {
        "submission": submission,
        "kind_label": KINDS[submission.kind],
        "view": public_view((main or submission).state),
        "merged": main is not None,
        "deadlines": _deadlines(db, main or submission, settings.timezone),
        "timeline": timeline,
        "open_questions": [e for e in timeline if e.kind == followup.MessageKind.question
                           and not e.answered],
        "submitted_files": followup.submitted_files(db, keys, submission),
        "rating": followup.current_rating(db, submission),
        "texts": case_texts(keys, submission),
        "can_rate": followup.can_rate(db, submission),
        "review": followup.current_review(db, submission),
        "can_review": followup.can_request_review(db, submission, now, rules,
                                                  settings.timezone),
        "review_until": followup.review_window(submission, rules, settings.timezone),
        "ratings": RATINGS,
        "rating_labels": dict(RATINGS),
        "files_allowed": submission.wrapped_key is not None,
        "max_files": settings.upload_max_files,
        "max_file_mb": settings.upload_max_file_bytes // (1024 * 1024),
        "text_max": TEXT_MAX,
        "form": form,
        "done": DONE.get(done, ""),
        # Ledger items this report fed (public ones only; added by the ledger engineer).
        "ledger_items": items_for_submission(db, submission.id,  # type: ignore[arg-type]
                                             public_only=True),
    }


def _render_case(request: Request, db: Session, submission: Submission,
                 form: FormState | None = None, status_code: int = 200) -> Response:
    return render(request, "track/case.html",
                  _case_context(request, db, submission, form or FormState()),
                  status_code=status_code)


def case_page(request: Request) -> Response:
    """The case: public status and meaning, deadlines, replies, questions and forms."""
    with db_session(request) as db:
        submission = _session_case(request, db)
        if submission is None:
            db.commit()
            return redirect(START_URL)
        response = _render_case(request, db, submission)
        db.commit()
        return response


def _text_values(fields: Mapping[str, Any], *names: str) -> dict[str, str]:
    values = {}
    for name in names:
        value = fields.get(name)
        values[name] = value[:TEXT_MAX * 2] if isinstance(value, str) else ""
    return values


def _refused(request: Request, form_name: str, status: int, message: str,
             values: Mapping[str, str] | None = None, field_name: str = "body") -> Response:
    with db_session(request) as db:
        submission = _session_case(request, db)
        if submission is None:
            return redirect(START_URL)
        return _render_case(request, db, submission,
                            FormState(form_name, {field_name: message}, values or {}),
                            status_code=status)


# --- information and answers (multipart, streamed) -------------------------------------

async def post_message(request: Request) -> Response:
    """The citizen adds text and files to their case."""
    return await _streamed(request, "message", None)


async def post_answer(request: Request) -> Response:
    """The citizen answers one of the staff's questions."""
    return await _streamed(request, "answer", request.path_params["question_id"])


async def _streamed(request: Request, form_name: str, question_id: int | None) -> Response:
    submission = await run_in_threadpool(_touch_case, request)
    if submission is None:
        # Read the form anyway so a forged post is refused as such (CsrfFailed), not
        # redirected; nothing is kept.
        with contextlib.suppress(FormRejected, FileRejected, FilesRefused):
            await read_followup_form(request, None)
        return redirect(START_URL)
    if question_id is not None:
        form_name = f"answer-{question_id}"
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_body(settings_of(request)):
        status, message = rejection(FormRejected("total_too_large", 413))
        return await run_in_threadpool(_refused, request, form_name, status, message)
    try:
        fields, batch = await read_followup_form(request, submission)
    except (FormRejected, FileRejected) as exc:
        status, message = rejection(exc)
        about_files = isinstance(exc, FileRejected) or exc.reason in FILE_REASONS
        return await run_in_threadpool(_refused, request, form_name, status, message, None,
                                       "files" if about_files else "body")
    except FilesRefused as exc:
        status, message = rejection(exc.error)
        return await run_in_threadpool(_refused, request, form_name, status, message,
                                       _text_values(exc.fields, "body"), "files")
    return await run_in_threadpool(_save_message, request, submission.id, form_name,
                                   question_id, fields, batch)


def _touch_case(request: Request) -> Submission | None:
    with db_session(request) as db:
        submission = _session_case(request, db)
        db.commit()
        return submission


def _save_message(request: Request, submission_id: int, form_name: str,
                  question_id: int | None, fields: MultiDict,
                  batch: UploadBatch | None) -> Response:
    values = _text_values(fields, "body")
    clock = request.app.state.clock
    keys = intake_keys(request)
    try:
        with db_session(request) as db:
            submission = db.get(Submission, submission_id)
            if submission is None:
                raise NotFound("case gone")
            try:
                if question_id is None:
                    followup.add_message(db, submission, values["body"], keys=keys,
                                         uploads=batch, clock=clock)
                else:
                    followup.answer_question(db, submission, question_id, values["body"],
                                             keys=keys, uploads=batch, clock=clock)
            except ValidationFailed as exc:
                db.rollback()
                return _render_case(request, db, submission,
                                    FormState(form_name, exc.errors, values), 422)
            except FollowupRefused as exc:
                db.rollback()
                return _render_case(request, db, submission,
                                    FormState(form_name, {"body": exc.message}, values), 409)
            db.commit()
    except BaseException:
        if batch is not None:
            batch.abort()
        raise
    done = "message" if question_id is None else "answer"
    return redirect(f"{CASE_URL}?done={done}")


# --- rating and review (plain forms) -----------------------------------------------------

async def post_rating(request: Request) -> Response:
    """The citizen rates the concluded case, once."""
    form = await request.form()
    values = _text_values(form, "rating", "comment")
    return await run_in_threadpool(_rate, request, values)


def _rate(request: Request, values: dict[str, str]) -> Response:
    def rate(db: Session, submission: Submission) -> None:
        followup.rate(db, submission, values["rating"] or None, values["comment"],
                      keys=intake_keys(request), clock=request.app.state.clock)

    return _citizen_action(request, "rating", "rating", values, rate)


async def post_review(request: Request) -> Response:
    """The citizen requests a review of the conclusion (within the window only)."""
    form = await request.form()
    values = _text_values(form, "reason")
    return await run_in_threadpool(_review, request, values)


def _review(request: Request, values: dict[str, str]) -> Response:
    def request_review(db: Session, submission: Submission) -> None:
        followup.request_review(db, submission, values["reason"], keys=intake_keys(request),
                                clock=request.app.state.clock, rules=clock_rules(db),
                                tz=settings_of(request).timezone)

    return _citizen_action(request, "review", "reason", values, request_review)


def _citizen_action(request: Request, form_name: str, refusal_field: str,
                    values: dict[str, str],
                    act: Callable[[Session, Submission], None]) -> Response:
    """Run one citizen action on the session's case: commit and redirect, or show the
    case again with the form refilled (422 invalid input, 409 refused in this state)."""
    with db_session(request) as db:
        submission = _session_case(request, db)
        if submission is None:
            db.commit()
            return redirect(START_URL)
        try:
            act(db, submission)
        except ValidationFailed as exc:
            db.rollback()
            return _render_case(request, db, submission,
                                FormState(form_name, exc.errors, values), 422)
        except FollowupRefused as exc:
            db.rollback()
            return _render_case(request, db, submission,
                                FormState(form_name, {refusal_field: exc.message}, values), 409)
        db.commit()
    return redirect(f"{CASE_URL}?done={form_name}")
