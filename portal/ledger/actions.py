"""The forms of the staff item page: status, progress, timeline entries with evidence,
mechanisms, verification, look-back reviews and case links.

Each action runs one domain write (audited) in one transaction. A refusal shows the
item page again with the form filled in: 422 for bad input, 409 for a stale version or
an action the item's state does not allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import InvalidTransition, NotFound, StaleVersion, ValidationFailed
from moderation.intake.errors import FileRejected
from moderation.ledger import messages as m
from moderation.ledger.cases import link_case, unlink_case
from moderation.ledger.evidence import store_evidence
from moderation.ledger.items import change_status, set_progress
from moderation.ledger.models import (
    LedgerLookBack,
    LedgerStatus,
    LookBackResult,
    MechanismArea,
    VerificationResult,
)
from moderation.ledger.review import record_lookback, schedule_lookback, verify
from moderation.ledger.timeline import add_entry, add_mechanism, attach_evidence
from moderation.roles import Actor
from portal.ledger.access import find_case, ledger_actor, load_item
from portal.ledger.forms import (
    FormState,
    form_text,
    localized,
    parse_choice,
    parse_day,
    parse_version,
    parse_whole,
    required_day,
    translated,
)
from portal.ledger.pages import render_item_page
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext as N_
from portal.web import clock, db_session, redirect

BASE = "/staff/ledger"
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
NO_CASE = N_("No case with this reference was found among the cases you may see.")
STALE = N_("Someone else changed this item in the meantime. Your input is kept; "
           "check the item and send it again.")


@dataclass(frozen=True)
class Upload:
    data: bytes
    name: str


Write = Callable[[Session, Actor], None]


def _act(request: Request, item_id: int, name: str, fields: dict[str, str], write: Write,
         done: str, inputs: dict[str, str] | None = None) -> Response:
    """Run `write` for a visible item and redirect, or show the form again."""
    actor = ledger_actor(request)

    def again(errors: dict[str, str], status: int, notice: str = "") -> Response:
        form = FormState(name, translated(errors, inputs), fields, notice)
        with db_session(request) as fresh:
            return render_item_page(request, fresh, actor, item_id, form, status)

    with db_session(request) as db:
        load_item(db, actor, item_id)
        try:
            write(db, actor)
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            return again(failed.errors, 422)
        except StaleVersion:
            db.rollback()
            return again({}, 409, _(STALE))
        except InvalidTransition as refused:
            db.rollback()
            return again({}, 409, _(str(refused)))
        except FileRejected as rejected:
            db.rollback()
            return again({"evidence": rejected.message}, 422)
    return redirect(f"{BASE}/{item_id}?done={done}#{name}")


def _errors_first(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(errors)


async def _fields(request: Request) -> dict[str, str]:
    return form_text(await request.form())


def _item_id(request: Request) -> int:
    return request.path_params["item_id"]


# ---------------------------------------------------------------- status and progress

def _status(request: Request, fields: dict[str, str]) -> Response:
    def write(db: Session, actor: Actor) -> None:
        try:
            status = LedgerStatus(fields.get("status", ""))
        except ValueError:
            status = LedgerStatus.verified
        if status == LedgerStatus.verified:
            raise ValidationFailed({"status": m.BAD_STATUS})
        change_status(db, actor, _item_id(request), status, version=parse_version(fields),
                      clock=clock(request))

    return _act(request, _item_id(request), "status", fields, write, "status")


async def post_status(request: Request) -> Response:
    """Move an item to planned, in progress or rectified (its default progress follows)."""
    return await run_in_threadpool(_status, request, await _fields(request))


def _progress(request: Request, fields: dict[str, str]) -> Response:
    def write(db: Session, actor: Actor) -> None:
        errors: dict[str, str] = {}
        value = parse_whole(fields.get("progress", ""), errors, "progress", m.BAD_PROGRESS)
        if value is None and not errors:
            errors["progress"] = m.BAD_PROGRESS
        _errors_first(errors)
        set_progress(db, actor, _item_id(request), value,  # type: ignore[arg-type]
                     version=parse_version(fields), clock=clock(request))

    return _act(request, _item_id(request), "progress", fields, write, "progress")


async def post_progress(request: Request) -> Response:
    """Set a leaf item's progress by hand."""
    return await run_in_threadpool(_progress, request, await _fields(request))


# ---------------------------------------------------------------- timeline and mechanisms

def _entry(request: Request, fields: dict[str, str], upload: Upload | None) -> Response:
    upload_dir = request.app.state.settings.upload_dir

    def write(db: Session, actor: Actor) -> None:
        errors: dict[str, str] = {}
        day = required_day(fields, "happened_on", errors)
        _errors_first(errors)
        assert day is not None
        entry = add_entry(db, actor, _item_id(request), happened_on=day,
                          body=localized(fields, "body"), public=fields.get("public") == "on",
                          clock=clock(request))
        if upload is not None:
            # The entry was accepted first, so a refused entry leaves no stray file.
            stored = store_evidence(upload_dir, upload.data, upload.name)
            assert entry.id is not None
            attach_evidence(db, actor, entry.id, stored, clock=clock(request))

    return _act(request, _item_id(request), "entry", fields, write, "entry",
                {"body": "body_zh_CN"})


async def post_entry(request: Request) -> Response:
    """Add a dated progress note, with an optional evidence file (staff only)."""
    form = await request.form()
    file = form.get("evidence")
    upload = None
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read()
        upload = Upload(data, file.filename) if data else None
    return await run_in_threadpool(_entry, request, form_text(form), upload)


def _mechanism(request: Request, fields: dict[str, str]) -> Response:
    def write(db: Session, actor: Actor) -> None:
        errors: dict[str, str] = {}
        day = parse_day(fields.get("established_on", ""), errors, "established_on")
        area = parse_choice(MechanismArea, fields, "area", errors, default=MechanismArea.other,
                            message=m.BAD_STATUS, missing_ok=True)
        _errors_first(errors)
        add_mechanism(db, actor, _item_id(request), title=localized(fields, "mechanism"),
                      area=area, established_on=day, clock=clock(request))

    return _act(request, _item_id(request), "mechanism", fields, write, "mechanism",
                {"title": "mechanism_zh_CN"})


async def post_mechanism(request: Request) -> Response:
    """Record a rule or institution the rectification established (建章立制)."""
    return await run_in_threadpool(_mechanism, request, await _fields(request))


# ---------------------------------------------------------------- reviews

def _verify(request: Request, fields: dict[str, str]) -> Response:
    def write(db: Session, actor: Actor) -> None:
        errors: dict[str, str] = {}
        day = required_day(fields, "verified_on", errors)
        result = parse_choice(VerificationResult, fields, "result", errors,
                              default=VerificationResult.passed)
        _errors_first(errors)
        assert day is not None
        verify(db, actor, _item_id(request), verifier=fields.get("verifier", ""),
               verified_on=day, result=result, note=localized(fields, "verify_note"),
               version=parse_version(fields), clock=clock(request))

    return _act(request, _item_id(request), "verify", fields, write, "verified",
                {"note": "verify_note_zh_CN"})


async def post_verify(request: Request) -> Response:
    """Record the check of a rectified item (passed: verified; failed: back to work)."""
    return await run_in_threadpool(_verify, request, await _fields(request))


def _schedule(request: Request, fields: dict[str, str]) -> Response:
    def write(db: Session, actor: Actor) -> None:
        errors: dict[str, str] = {}
        day = required_day(fields, "scheduled_on", errors)
        _errors_first(errors)
        assert day is not None
        schedule_lookback(db, actor, _item_id(request), scheduled_on=day,
                          clock=clock(request))

    return _act(request, _item_id(request), "schedule", fields, write, "scheduled")


async def post_schedule(request: Request) -> Response:
    """Plan a look-back review (回头看) of a rectified or verified item."""
    return await run_in_threadpool(_schedule, request, await _fields(request))


def _lookback(request: Request, fields: dict[str, str]) -> Response:
    lookback_id: int = request.path_params["lookback_id"]
    with db_session(request) as db:
        row = db.get(LedgerLookBack, lookback_id)
        if row is None:
            raise NotFound(f"look-back {lookback_id}")
        item_id = row.item_id

    def write(db: Session, actor: Actor) -> None:
        errors: dict[str, str] = {}
        day = required_day(fields, "done_on", errors)
        result = parse_choice(LookBackResult, fields, "result", errors,
                              default=LookBackResult.held)
        _errors_first(errors)
        assert day is not None
        record_lookback(db, actor, lookback_id, done_on=day, result=result,
                        note=localized(fields, "lookback_note"),
                        version=parse_version(fields), clock=clock(request))

    return _act(request, item_id, f"lookback-{lookback_id}", fields, write, "lookback",
                {"note": "lookback_note_zh_CN"})


async def post_lookback(request: Request) -> Response:
    """Record a look-back's result; a relapse reopens the item with a public reason."""
    return await run_in_threadpool(_lookback, request, await _fields(request))


# ---------------------------------------------------------------- case links

def _link(request: Request, fields: dict[str, str], unlink: bool) -> Response:
    def write(db: Session, actor: Actor) -> None:
        reference = fields.get("reference", "").strip()
        if not reference:
            raise ValidationFailed({"reference": m.REQUIRED})
        try:
            case = find_case(db, actor, reference)
        except NotFound:
            raise ValidationFailed({"reference": NO_CASE}) from None
        assert case.id is not None
        if unlink:
            try:
                unlink_case(db, actor, _item_id(request), case.id, clock=clock(request))
            except NotFound:
                raise ValidationFailed({"reference": NO_CASE}) from None
        else:
            link_case(db, actor, _item_id(request), case.id, clock=clock(request))

    name = "unlink" if unlink else "link"
    return _act(request, _item_id(request), name, fields, write,
                "unlinked" if unlink else "linked", {"submission_id": "reference"})


async def post_link(request: Request) -> Response:
    """Say that a case (by its reference) fed this item."""
    return await run_in_threadpool(_link, request, await _fields(request), False)


async def post_unlink(request: Request) -> Response:
    """Remove a case link made by mistake."""
    return await run_in_threadpool(_link, request, await _fields(request), True)
