"""The receipt form: one generic answer for every wrong receipt, throttled per client."""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake import messages as m
from moderation.intake.service import find_by_receipt
from moderation.ratelimit import GLOBAL, DbStore, Limit, RateLimiter
from portal.accounts.throttle import client_address
from portal.intake.throttle import purge_if_due
from portal.locale_context import gettext as _
from portal.slotted_pages import escaped, render_slotted
from portal.track.common import intake_keys
from portal.track.session import end_citizen_session, start_citizen_session
from portal.web import db_session, redirect

# Ten wrong receipts per client in a fixed 15-minute window; the receipt's ~80 bits make
# guessing hopeless anyway, this keeps the lookup cheap and noisy guessers out. The
# global limit caps a guesser spread over many addresses: past it, every client waits
# for the window to end (a citizen with a right code is let in before it is counted).
RECEIPT_LIMIT = Limit("receipt", 10, timedelta(minutes=15))
RECEIPT_GLOBAL_LIMIT = Limit("receipt-all", 1000, timedelta(minutes=15))
RECEIPT_INPUT_MAX = 100
CASE_URL = "/track/case"


def _form(request: Request, *, receipt: str = "", error: str | None = None,
          status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The receipt form, blank or with an answer: rendered once per answer, flags and
    language, with the code typed set in per request (escaped)."""
    flags = {"ended": request.query_params.get("ended") == "1",
             "signed_out": request.query_params.get("signed_out") == "1"}
    return render_slotted(request, "track/start.html", {"error": error, **flags},
                          sources=(), slots={"receipt": escaped(receipt)},
                          variant=(error, *flags.values()), status_code=status_code,
                          headers=headers)


async def track_form(request: Request) -> Response:
    """The page where a citizen enters their receipt code (async: it needs no database,
    and so no thread)."""
    return _form(request)


async def track_open(request: Request) -> Response:
    """Check the receipt; open a citizen session on its case, or answer generically."""
    form = await request.form()
    raw = form.get("receipt")
    receipt = raw[:RECEIPT_INPUT_MAX] if isinstance(raw, str) else ""
    return await run_in_threadpool(_open, request, receipt)


def _open(request: Request, receipt: str) -> Response:
    keys = intake_keys(request)
    address = client_address(request)
    with db_session(request) as db:
        purge_if_due(request, db)  # first, before any counter row is locked
        limiter = RateLimiter(keys, DbStore(db), request.app.state.clock)
        for limit, who in ((RECEIPT_LIMIT, address), (RECEIPT_GLOBAL_LIMIT, GLOBAL)):
            decision = limiter.hit(limit, who, count=False)
            if not decision.allowed:
                db.commit()
                return _form(request, receipt=receipt, error=_(m.RATE_LIMITED),
                             status_code=429,
                             headers={"Retry-After": str(decision.retry_after)})
        submission = find_by_receipt(db, keys, receipt)
        if submission is None or submission.id is None:
            limiter.hit(RECEIPT_LIMIT, address)
            limiter.hit(RECEIPT_GLOBAL_LIMIT, GLOBAL)
            db.commit()
            return _form(request, receipt=receipt, error=_(m.RECEIPT_NOT_FOUND),
                         status_code=422)
        response = redirect(CASE_URL)
        start_citizen_session(request, db, response, submission.id)
        db.commit()
        return response


def sign_out(request: Request) -> Response:
    """End the citizen session (the receipt is needed to come back)."""
    response = redirect("/track?signed_out=1")
    with db_session(request) as db:
        end_citizen_session(request, db, response)
        db.commit()
    return response
