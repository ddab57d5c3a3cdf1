"""Showing a receipt once: Send answers with a redirect, the receipt page takes the handover.

The sent form's handover (see moderation.intake.handover) is bound to the sending
browser's CSRF cookie; its token travels in a short-lived cookie scoped to the receipt
page, never in a URL. The receipt page consumes it, so a reload, the Back button and a
resend show "already sent" without the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.deadlines import local_day
from moderation.intake.handover import HANDOVER_MINUTES, take_handover_and_shown
from moderation.intake.models import Channel, Submission, SubmissionKind
from moderation.intake.receipts import derive_receipt, format_receipt, idempotency_hash
from moderation.intake.service import proof_for
from portal.csrf import CSRF_COOKIE
from portal.intake.config import intake_config
from portal.intake.pages import NO_STORE, ReceiptView
from portal.middleware.locale import read_cookie
from portal.web import db_session, redirect

HANDOVER_COOKIE = "receipt_handover"
CITIZEN_RECEIPT_PATH = "/submit/receipt"
STAFF_RECEIPT_PATH = "/staff/intake/receipt"


def browser_secret(request: Request) -> str:
    """The sending browser's own secret: its CSRF cookie (present on every checked POST)."""
    return read_cookie(request.headers, CSRF_COOKIE) or ""


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receipt page shows of a submission, as its handover carries it."""

    kind: SubmissionKind
    reference: str
    channel: Channel
    received_at: datetime
    decision_due_on: date
    content_sha256: str


def receipt_view(request: Request, submission: Submission | Row[Any] | ReceiptFacts,
                 receipt: str) -> ReceiptView:
    """What the receipt page shows for a stored submission and its formatted receipt."""
    config = intake_config(request)
    return ReceiptView(kind=submission.kind.value, reference=submission.reference,
                       receipt=receipt, proof=proof_for(config.keys, submission,
                                                        config.timezone),
                       received_on=local_day(submission.received_at, config.timezone),
                       decision_due_on=submission.decision_due_on,
                       channel=submission.channel.value)


def to_receipt_page(request: Request, token: str, path: str) -> Response:
    """303 to the receipt page, carrying the handover token in a cookie for that page only."""
    response = redirect(path)
    response.headers.update(NO_STORE)
    response.set_cookie(HANDOVER_COOKIE, token, max_age=HANDOVER_MINUTES * 60, path=path,
                        httponly=True, samesite="strict",
                        secure=request.app.state.settings.production)
    return response


def forget_handover(request: Request, response: Response, path: str) -> Response:
    """Clear the handover cookie on the receipt page's answer."""
    response.delete_cookie(HANDOVER_COOKIE, path=path, httponly=True, samesite="strict",
                           secure=request.app.state.settings.production)
    return response


_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
# What the receipt page shows, as a Core query: the whole row through the ORM (its sealed
# text included) cost more CPU than the rest of the receipt page's reads.
_SENT = select(_SUBMISSION.c.kind, _SUBMISSION.c.reference, _SUBMISSION.c.channel,
               _SUBMISSION.c.received_at, _SUBMISSION.c.decision_due_on,
               _SUBMISSION.c.content_sha256).where(
    _SUBMISSION.c.idempotency_hash == bindparam("idem"))


def sent_submission(session: Session, request: Request, nonce: bytes) -> Row[Any] | None:
    """What a receipt shows of the submission a form nonce already made, if any."""
    idem = idempotency_hash(intake_config(request).keys, nonce)
    return session.execute(_SENT, {"idem": idem}).first()


def receipt_facts(submission: Submission) -> bytes:
    """What the receipt page shows of a stored submission, for its handover to carry: the
    page then needs no query (`take_receipt`). Not the receipt, which only the nonce
    gives."""
    return json.dumps([submission.kind.value, submission.reference, submission.channel.value,
                       submission.received_at.isoformat(),
                       submission.decision_due_on.isoformat(),
                       submission.content_sha256]).encode()


def _from_facts(raw: bytes) -> ReceiptFacts | None:
    """`receipt_facts` read back; None for a handover that carries none (staff's, or
    written before handovers carried them)."""
    if not raw:
        return None
    kind, reference, channel, received_at, decision_due_on, content_sha256 = json.loads(raw)
    return ReceiptFacts(kind=SubmissionKind(kind), reference=reference,
                        channel=Channel(channel),
                        received_at=datetime.fromisoformat(received_at),
                        decision_due_on=date.fromisoformat(decision_due_on),
                        content_sha256=content_sha256)


def take_receipt(request: Request) -> ReceiptView | None:
    """The receipt this browser was sent to see, consumed; None when there is none."""
    token = read_cookie(request.headers, HANDOVER_COOKIE) or ""
    config = intake_config(request)
    with db_session(request) as session:
        taken = take_handover_and_shown(session, token, request.app.state.clock)
        nonce, shown = taken if taken else (None, b"")
        submission = _from_facts(shown) or (
            sent_submission(session, request, nonce) if nonce else None)
        session.commit()
    if nonce is None or submission is None:
        return None
    return receipt_view(request, submission, format_receipt(derive_receipt(config.keys, nonce)))
