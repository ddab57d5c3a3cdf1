"""Taking in tips and suggestions: from the web form, or registered by a moderator.

Each function validates, checks the signed form nonce, and either creates the
submission (with its encrypted contact details and files) or, when the same form comes
back with the same content, returns the one it created before, with the same receipt.
Nothing here commits: the caller commits once, after which it may show the receipt.
Citizen submissions write no audit row and no time finer than the hour.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import NotPermitted, ValidationFailed
from moderation.intake import messages as m
from moderation.intake.crypto import wrap_key
from moderation.intake.deadlines import (
    DEFAULT_TIMEZONE,
    ClockRules,
    decision_due,
    hour_of,
    local_day,
)
from moderation.intake.errors import FormReused
from moderation.intake.files import Envelope, UploadBatch, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Channel, Submission, SubmissionFile, SubmissionKind
from moderation.intake.proof import ProofStatement, content_sha256, make_proof
from moderation.intake.receipts import (
    FORM_MAX_AGE_SECONDS,
    derive_receipt,
    format_receipt,
    hashes_match,
    idempotency_hash,
    open_form_nonce,
    parse_receipt,
    receipt_hash,
)
from moderation.intake.spam import encode_signals, spam_signals
from moderation.intake.storage import seal_contact, seal_display_name
from moderation.intake.texts import SubmissionText, seal_submission_text
from moderation.intake.validation import (
    SuggestionInput,
    TextRules,
    TipInput,
    validate_suggestion,
    validate_tip,
)
from moderation.queue.search import index_submission
from moderation.roles import Actor, Role

STAFF_CHANNELS = (Channel.phone, Channel.letter, Channel.visit, Channel.email)
_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
_INSERT_FILES = SubmissionFile.__table__.insert()  # type: ignore[attr-defined]
_INSERT_NEW = {
    name: insert(_SUBMISSION).on_conflict_do_nothing(
        index_elements=[_SUBMISSION.c.idempotency_hash]).returning(_SUBMISSION.c.id)
    for name, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))}


@dataclass(frozen=True)
class IntakePolicy:
    """Campaign settings intake needs: clocks, text rules, time zone, form lifetime."""

    clocks: ClockRules = field(default_factory=ClockRules)
    text: TextRules = field(default_factory=TextRules)
    timezone: str = DEFAULT_TIMEZONE
    form_max_age: int = FORM_MAX_AGE_SECONDS


@dataclass(frozen=True)
class IntakeResult:
    """The submission, its receipt (formatted, to show once) and its proof token."""

    submission: Submission
    receipt: str
    proof: str
    created: bool  # False when a resent form found the submission it made before


def submit_tip(session: Session, keys: IntakeKeys, form_token: str, data: TipInput, *,
               uploads: UploadBatch | None = None, clock: Clock = system_clock,
               policy: IntakePolicy = IntakePolicy()) -> IntakeResult:
    """Take in a tip from the public web form (form nonce purpose "tip").

    Raises ValidationFailed, FormTokenInvalid or FormReused; on any error the uploads
    of `uploads` are deleted (the citizen attaches them again).
    """
    with _discard_on_error(uploads):
        clean = validate_tip(session, data, policy.text)
        return _intake(session, keys, form_token, "tip", SubmissionKind.tip, Channel.web,
                       clean, uploads, clock, policy, registered_by=None)


def submit_suggestion(session: Session, keys: IntakeKeys, form_token: str,
                      data: SuggestionInput, *, uploads: UploadBatch | None = None,
                      clock: Clock = system_clock,
                      policy: IntakePolicy = IntakePolicy()) -> IntakeResult:
    """Take in a suggestion from the public web form (form nonce purpose "suggestion")."""
    with _discard_on_error(uploads):
        clean = validate_suggestion(session, data, policy.text)
        return _intake(session, keys, form_token, "suggestion", SubmissionKind.suggestion,
                       Channel.web, clean, uploads, clock, policy, registered_by=None)


def register_by_phone(session: Session, keys: IntakeKeys, actor: Actor, form_token: str,
                      channel: Channel, data: TipInput | SuggestionInput, *,
                      uploads: UploadBatch | None = None, clock: Clock = system_clock,
                      policy: IntakePolicy = IntakePolicy()) -> IntakeResult:
    """A moderator registers a tip or suggestion received by phone, letter, visit or email.

    Form nonce purpose "register". Audited (reference, kind, channel; never the content
    or contacts). The moderator reads the receipt back to the caller.
    """
    with _discard_on_error(uploads):
        if actor.role != Role.moderator or actor.id is None:
            raise NotPermitted("only moderators register submissions on a caller's behalf")
        if channel not in STAFF_CHANNELS:
            raise ValidationFailed({"channel": m.BAD_CHANNEL})
        if isinstance(data, TipInput):
            clean: TipInput | SuggestionInput = validate_tip(session, data, policy.text)
            kind = SubmissionKind.tip
        else:
            clean = validate_suggestion(session, data, policy.text)
            kind = SubmissionKind.suggestion
        result = _intake(session, keys, form_token, "register", kind, channel, clean,
                         uploads, clock, policy, registered_by=actor.id)
        if result.created:
            record(session, actor, "submission.register", "submission", result.submission.id,
                   after={"reference": result.submission.reference, "kind": kind.value,
                          "channel": channel.value}, clock=clock)
        return result


def find_by_receipt(session: Session, keys: IntakeKeys, text: str) -> Submission | None:
    """The submission a receipt (as typed by a citizen) belongs to, or None.

    The check digit is verified before any query; the lookup uses the keyed hash, and
    the stored hash is compared in constant time. Callers throttle failures.
    """
    receipt = parse_receipt(text)
    if receipt is None:
        return None
    digest = receipt_hash(keys, receipt)
    row = session.exec(select(Submission).where(Submission.receipt_hash == digest)).first()
    if row is None or not hashes_match(row.receipt_hash, digest):
        return None
    return row


class ProofSource(Protocol):
    """What a proof states of a submission (a Submission, or a row of those columns)."""

    reference: str
    received_at: datetime
    content_sha256: str


def proof_for(keys: IntakeKeys, submission: ProofSource,
              timezone: str = DEFAULT_TIMEZONE) -> str:
    """The proof-of-submission token of a stored submission."""
    return make_proof(keys, ProofStatement(
        submission.reference, local_day(submission.received_at, timezone),
        submission.content_sha256))


@contextmanager
def _discard_on_error(uploads: UploadBatch | None) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if uploads:
            uploads.abort()
        raise


def _fields(kind: SubmissionKind, data: TipInput | SuggestionInput) -> dict[str, object]:
    if isinstance(data, TipInput):
        fields: dict[str, object] = {
            "kind": kind.value, "content": data.content, "unit": data.unit_concerned_id,
            "people": data.people_concerned, "when": data.happened_when,
            "where": data.happened_where, "anonymous": data.anonymous}
    else:
        fields = {"kind": kind.value, "content": data.content, "category": data.category_id,
                  "anonymous": data.anonymous}
    if data.publish_consent:  # only when given, so digests made without it stay the same
        fields["publish_consent"] = True
    return fields


def _intake(session: Session, keys: IntakeKeys, form_token: str, purpose: str,
            kind: SubmissionKind, channel: Channel, data: TipInput | SuggestionInput,
            uploads: UploadBatch | None, clock: Clock, policy: IntakePolicy,
            registered_by: int | None) -> IntakeResult:
    nonce = open_form_nonce(keys, form_token, purpose, clock, policy.form_max_age)
    files = uploads.finished if uploads else []
    digest = content_sha256(_fields(kind, data), [f.original_sha256 for f in files])
    idem = idempotency_hash(keys, nonce)
    receipt = derive_receipt(keys, nonce)
    envelope = uploads.envelope if uploads else new_envelope(session)
    submission = _new_submission(keys, envelope, kind, channel, data, digest, idem,
                                 receipt, clock, policy, registered_by)
    if not _insert_new(session, submission):
        # Stored already, by an earlier Send of this form or a concurrent twin of it (a
        # double click, a retry after a lost answer): answer as the first one was.
        existing = _replay(session, keys, idem, digest, receipt, policy)
        if existing is None:  # cannot happen: a conflicting row is committed, and kept
            raise LookupError("the submission this form conflicts with is not there")
        if uploads:
            uploads.abort()  # the first request stored its own copies
        return existing
    if uploads:
        uploads.promote()
        _add_files(session, envelope, submission, uploads, clock)
    # The queue's blind search index (moderation.queue), from the text still in hand.
    index_submission(session, keys, submission, submitted_text(data), fresh=True)
    return IntakeResult(submission, format_receipt(receipt),
                        proof_for(keys, submission, policy.timezone), created=True)


def _insert_new(session: Session, submission: Submission) -> bool:
    """Insert `submission` unless its form was stored already; True if inserted.

    A Core insert that does nothing on a taken idempotency hash: it replaces a look-up
    before the insert, a SAVEPOINT around it and the ORM's flush, four round trips and
    most of the CPU of a citizen's Send (`bench/post_load.py`). A conflict raises no
    error, so the database logs no idempotency hash. The row then joins the session as
    a loaded object, as a flush would have left it.
    """
    dialect = session.get_bind().dialect.name
    values = {column.key: getattr(submission, column.key)
              for column in _SUBMISSION.columns if column.key != "id"}
    new_id = session.execute(_INSERT_NEW[dialect], values).scalar()
    if new_id is None:
        return False
    submission.id = new_id
    make_transient_to_detached(submission)
    session.add(submission)
    return True


def _replay(session: Session, keys: IntakeKeys, idem: str, digest: str, receipt: str,
            policy: IntakePolicy) -> IntakeResult | None:
    # Asked first as a bare id: nearly every Send is new, and loading the whole row
    # through the ORM cost twice the CPU of the question.
    found = session.execute(select(_SUBMISSION.c.id)
                            .where(_SUBMISSION.c.idempotency_hash == idem)).first()
    row = session.get(Submission, found.id) if found is not None else None
    if row is None:
        return None
    if not hashes_match(row.content_sha256, digest):
        raise FormReused()
    return IntakeResult(row, format_receipt(receipt), proof_for(keys, row, policy.timezone),
                        created=False)


def _new_submission(keys: IntakeKeys, envelope: Envelope, kind: SubmissionKind,
                    channel: Channel, data: TipInput | SuggestionInput, digest: str,
                    idem: str, receipt: str, clock: Clock, policy: IntakePolicy,
                    registered_by: int | None) -> Submission:
    received = hour_of(clock())
    submission = Submission(
        reference=envelope.reference, kind=kind, channel=channel,
        receipt_hash=receipt_hash(keys, receipt), idempotency_hash=idem,
        received_at=received, anonymous=data.anonymous,
        publish_consent=data.publish_consent,
        text_sealed=seal_submission_text(envelope.data_key, envelope.reference,
                                         submitted_text(data)),
        wrapped_key=wrap_key(keys.master, envelope.data_key, envelope.reference),
        content_sha256=digest, decision_due_on=decision_due(received, policy.clocks,
                                                            policy.timezone),
        registered_by_id=registered_by,
    )
    if isinstance(data, TipInput):
        submission.unit_concerned_id = data.unit_concerned_id
    else:
        submission.category_id = data.category_id
    if registered_by is None:  # staff registering a call are not advertising
        texts = [data.content]
        if isinstance(data, TipInput):
            texts += [data.people_concerned, data.happened_when, data.happened_where]
        submission.spam_signals = encode_signals(spam_signals(*texts))
    if not data.anonymous and not data.contact.is_empty():
        submission.contact_sealed = seal_contact(envelope.data_key, envelope.reference,
                                                 data.contact)
    return submission


def submitted_text(data: TipInput | SuggestionInput) -> SubmissionText:
    """The citizen-written fields of a validated form, as sealed and indexed."""
    if isinstance(data, TipInput):
        return SubmissionText(data.content, data.people_concerned, data.happened_when,
                              data.happened_where)
    return SubmissionText(data.content)


def _add_files(session: Session, envelope: Envelope, submission: Submission,
               uploads: UploadBatch, clock: Clock, message_id: int | None = None) -> None:
    assert submission.id is not None
    if not uploads.finished:
        return
    # A Core insert (a citizen's Send with files runs it): building the rows and flushing
    # them through the ORM cost a Send with one file about 0.9 M instructions of some 21 M.
    created = hour_of(clock())
    session.execute(_INSERT_FILES, [{
        "submission_id": submission.id, "message_id": message_id,
        "stored_name": upload.stored_name, "size": upload.size,
        "media_type": upload.media_type, "extension": upload.extension,
        "display_name_sealed": seal_display_name(envelope.data_key, envelope.reference,
                                                 upload.stored_name, upload.display_name),
        "sha256": upload.sha256, "metadata_status": upload.metadata_status,
        "created_at": created,
    } for upload in uploads.finished])
